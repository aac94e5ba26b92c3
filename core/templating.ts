import { Liquid, type Template } from 'liquidjs';
import type { Contact, Mailbox } from './model';

/**
 * Merge-field templates (SPEC §2) in Liquid syntax, rendered with liquidjs.
 * An output that renders empty without a `default` blocks the person's email:
 * it is reported, never sent as "Hi ,".
 */

/** The merge fields SPEC §2 names; imported columns are `custom.<column>`. */
export const KNOWN_FIELDS = [
  'first_name',
  'last_name',
  'email',
  'company',
  'title',
  'phone',
  'sender_name',
  'sender_email',
  'unsubscribe_link',
] as const;

/** Variables a person receives in every template: contact fields, sender fields and `custom.*`. */
export interface MergeContext {
  first_name?: string | undefined;
  last_name?: string | undefined;
  email?: string | undefined;
  company?: string | undefined;
  title?: string | undefined;
  phone?: string | undefined;
  sender_name?: string | undefined;
  sender_email?: string | undefined;
  /** SPEC §12: the email's unsubscribe link (https one-click when there is one, else the mailto). */
  unsubscribe_link?: string | undefined;
  custom: Record<string, string>;
}

/**
 * What `{{ unsubscribe_link }}` shows where no token is made (editor and launch previews, the
 * plan command, an email task written by hand): the mailbox's own address with the subject
 * `unsubscribe`, which the inbox reads as an unsubscribe of its sender (SPEC §11). Never
 * empty, so it never blocks an email as a missing merge field.
 */
export function previewUnsubscribeLink(mailboxEmail: string): string {
  return `mailto:${mailboxEmail}?subject=unsubscribe`;
}

/**
 * Builds the merge context for one person sending from one mailbox.
 * @param unsubscribeLink the email's own link (core/unsubscribe-token.ts `footerLink`);
 *   without it, {@link previewUnsubscribeLink}.
 */
export function mergeContext(
  contact: Contact,
  mailbox: Pick<Mailbox, 'name' | 'email'>,
  unsubscribeLink?: string,
): MergeContext {
  return {
    first_name: contact.firstName,
    last_name: contact.lastName,
    email: contact.email,
    company: contact.company,
    title: contact.title,
    phone: contact.phone,
    sender_name: mailbox.name,
    sender_email: mailbox.email,
    unsubscribe_link: unsubscribeLink ?? previewUnsubscribeLink(mailbox.email),
    custom: contact.custom,
  };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Output escaping per template kind: merged values never become markup in an HTML body. */
type Escape = 'html' | 'none';

/** A file system that holds nothing: `include`, `render` and `layout` can never read a file. */
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string): Promise<string> => {
    throw new Error(`templates cannot read files (${file})`);
  },
  readFileSync: (file: string): string => {
    throw new Error(`templates cannot read files (${file})`);
  },
  resolve: (_root: string, file: string) => file,
  contains: async () => false,
  sep: '/',
};

/** The Liquid tags a template may use: logic and variables, nothing that reads files or renders other templates. */
const ALLOWED_TAGS = new Set([
  'if',
  'elsif',
  'else',
  'endif',
  'unless',
  'endunless',
  'case',
  'when',
  'endcase',
  'for',
  'endfor',
  'break',
  'continue',
  'cycle',
  'assign',
  'capture',
  'endcapture',
  'comment',
  'endcomment',
  'raw',
  'endraw',
  'increment',
  'decrement',
]);

/** Stands in the rendered text where an output came out empty, when marking is on (previews). */
// A private-use character: sanitisers keep it, and no real text contains it.
export const EMPTY_MARK = '\uE000';

interface Engine {
  liquid: Liquid;
  empties: string[];
  mark: boolean;
  /**
   * Parsed templates by source text. Per engine, never shared: a parsed output carries the
   * escaping and the empty-field hook of the engine that parsed it, so a body checked (or a
   * subject rendered) by the plain engine and then rendered for HTML would go out unescaped
   * and with its empty fields unseen (issue 10 items 6 and 7).
   */
  parsed: Map<string, Template[]>;
}

const engines = new Map<Escape, Engine>();
function engine(escape: Escape): Engine {
  let entry = engines.get(escape);
  if (!entry) {
    const state: Engine = { liquid: undefined as unknown as Liquid, empties: [], mark: false, parsed: new Map() };
    state.liquid = new Liquid({
      strictFilters: true,
      ownPropertyOnly: true,
      cache: 500,
      // Templates are untrusted (SPEC §8): no file is ever read, and a runaway loop is cut short.
      fs: NO_FILES,
      relativeReference: false,
      renderLimit: 1000,
      memoryLimit: 5_000_000,
      parseLimit: 200_000,
      // Sees each output's value after its filters: an empty one without a default is what blocks.
      outputEscape: (value: unknown) => {
        const text = value === undefined || value === null ? '' : String(value);
        if (text.trim() === '') {
          state.empties.push('');
          if (state.mark) return EMPTY_MARK;
        }
        return escape === 'html' ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : text;
      },
    });
    entry = state;
    engines.set(escape, entry);
  }
  return entry;
}

function parse({ liquid, parsed }: Engine, source: string): Template[] {
  let templates = parsed.get(source);
  if (!templates) {
    templates = liquid.parse(source);
    if (parsed.size > 2000) parsed.clear();
    parsed.set(source, templates);
  }
  return templates;
}

/**
 * Problems with a template's merge fields before anything is rendered: a Liquid
 * syntax error, or a field that is not one SPEC §2 knows (`{{ contact.firstname }}`
 * pasted from another tool), with the known field it most likely meant.
 * @returns reasons, each naming the field; empty when the template is fine.
 */
export function templateProblems(source: string): string[] {
  const plain = engine('none');
  const { liquid } = plain;
  let templates: Template[];
  try {
    templates = parse(plain, source);
  } catch (error) {
    return [`is not a valid template: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  for (const match of source.matchAll(/\{%-?\s*([A-Za-z_]+)/g)) {
    if (!ALLOWED_TAGS.has(match[1]!)) problems.push(`the tag "{% ${match[1]} %}" is not allowed in an email template`);
  }
  // Analysing fields would follow an include: stop at a refused tag.
  if (problems.length > 0) return problems;
  for (const field of new Set(liquid.globalFullVariablesSync(templates))) {
    if ((KNOWN_FIELDS as readonly string[]).includes(field)) continue;
    if (/^custom\.[^.]+$/.test(field) || /^custom\[.+\]$/.test(field)) continue;
    const guess = suggestField(field);
    problems.push(
      `unknown merge field "${field}"${guess ? `; did you mean "${guess}"?` : ` (known: ${KNOWN_FIELDS.join(', ')}, custom.<column>)`}`,
    );
  }
  return problems;
}

function suggestField(field: string): string | undefined {
  const bare = field
    .replace(/^(contact|lead|person|recipient|sender|user)\./i, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  const prefix = /^(sender|user)\./i.test(field) ? 'sender' : '';
  return (
    KNOWN_FIELDS.find((known) => known.replace(/_/g, '') === prefix + bare) ??
    KNOWN_FIELDS.find((known) => known.replace(/_/g, '') === bare)
  );
}

/** A rendered template, or the reason it is blocked. */
export type Rendered = { ok: true; text: string } | { ok: false; blocked: string };

/**
 * Renders `source` for one person. `escape: 'html'` escapes merged values for an
 * HTML body; `'none'` is for subjects and plain text.
 * @returns `{ ok: false, blocked }` naming the empty fields when an output renders
 *   empty without a `default` (SPEC §2), or the template does not parse.
 */
export function renderTemplate(source: string, context: MergeContext, escape: Escape = 'none'): Rendered {
  return render(source, context, escape, false).rendered;
}

/**
 * Renders for an editor's preview: the text with {@link EMPTY_MARK} wherever an output
 * came out empty (the caller highlights it), and whether the real send would be blocked.
 */
export function renderPreview(
  source: string,
  context: MergeContext,
  escape: Escape = 'none',
): { text: string; rendered: Rendered } {
  return render(source, context, escape, true);
}

function render(
  source: string,
  context: MergeContext,
  escape: Escape,
  mark: boolean,
): { text: string; rendered: Rendered } {
  if (!source.includes('{')) return { text: source, rendered: { ok: true, text: source } };
  const state = engine(escape);
  const { liquid, empties } = state;
  let templates: Template[];
  try {
    templates = parse(state, source);
  } catch (error) {
    return {
      text: source,
      rendered: { ok: false, blocked: `the template does not parse: ${(error as Error).message}` },
    };
  }
  empties.length = 0;
  state.mark = mark;
  let text: string;
  try {
    text = liquid.renderSync(templates, context) as string;
  } catch (error) {
    // A limit hit (a runaway loop) or a tag that reaches for a file: never sent, and said why.
    return {
      text: source,
      rendered: { ok: false, blocked: `the template cannot be rendered: ${(error as Error).message}` },
    };
  } finally {
    state.mark = false;
  }
  return { text, rendered: blockedOrNot(source, text, context, empties.length > 0, liquid) };
}

function blockedOrNot(
  source: string,
  text: string,
  context: MergeContext,
  hasEmpty: boolean,
  liquid: Liquid,
): Rendered {
  if (!hasEmpty) return { ok: true, text };
  // Name the empty fields of outputs that have no `default` (those with one never block).
  const missing = new Set<string>();
  for (const output of source.match(/\{\{[\s\S]*?\}\}/g) ?? []) {
    if (/\|\s*default\b/.test(output)) continue;
    let fields: string[];
    try {
      fields = liquid.globalFullVariablesSync(output);
    } catch {
      continue;
    }
    for (const field of fields) if (isEmpty(lookup(context, field))) missing.add(field);
  }
  const names = missing.size > 0 ? [...missing].join(', ') : 'a merge field';
  return { ok: false, blocked: `missing ${names} (empty, and no default given)` };
}

function lookup(context: MergeContext, field: string): unknown {
  let value: unknown = context;
  for (const part of field.match(/[^.[\]"']+/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || String(value).trim() === '';
}
