import { describe, expect, it } from 'vitest';
import { mergeContext, renderTemplate, templateProblems, type MergeContext } from './templating';

const ana: MergeContext = { first_name: 'Ana', company: 'Globex', custom: { Region: 'EMEA' }, sender_name: 'Rep One' };

describe('merge-field templates (SPEC §2)', () => {
  it('renders known fields, defaults and custom columns', () => {
    const out = renderTemplate(
      'Hi {{ first_name }} at {{ company }} ({{ custom.Region }}), from {{ sender_name }}',
      ana,
    );
    expect(out).toEqual({ ok: true, text: 'Hi Ana at Globex (EMEA), from Rep One' });
  });

  it('uses the default for an empty field', () => {
    expect(renderTemplate('For {{ company | default: "your team" }}', { custom: {} })).toEqual({
      ok: true,
      text: 'For your team',
    });
  });

  it('blocks an empty field without a default, naming it: never "Hi ,"', () => {
    expect(renderTemplate('Hi {{ first_name }},', { first_name: '  ', custom: {} })).toEqual({
      ok: false,
      blocked: 'missing first_name (empty, and no default given)',
    });
  });

  it('blocks a missing custom column', () => {
    const out = renderTemplate('Region: {{ custom.Territory }}', ana);
    expect(out).toEqual({ ok: false, blocked: 'missing custom.Territory (empty, and no default given)' });
  });

  it('escapes merged values in an HTML body, not in a subject', () => {
    const context: MergeContext = { company: 'Smith & <Sons>', custom: {} };
    expect(renderTemplate('<p>{{ company }}</p>', context, 'html')).toEqual({
      ok: true,
      text: '<p>Smith &amp; &lt;Sons&gt;</p>',
    });
    expect(renderTemplate('About {{ company }}', context)).toEqual({ ok: true, text: 'About Smith & <Sons>' });
  });

  it('blocks an empty field in an HTML body that was checked first (issue 10 item 6): never "As  you"', () => {
    // The campaign's check parses the body before any send renders it; the send must still see the empty field.
    expect(templateProblems('<p>As {{ title }} you lead {{ company }}.</p>')).toEqual([]);
    expect(renderTemplate('<p>As {{ title }} you lead {{ company }}.</p>', ana, 'html')).toEqual({
      ok: false,
      blocked: 'missing title (empty, and no default given)',
    });
  });

  it('escapes a contact value in an HTML body even when a subject or a check parsed the same text (issue 10 item 7)', () => {
    const evil: MergeContext = { company: '<a href="http://evil.example">click</a>', custom: {} };
    const source = 'Hello from {{ company }}';
    expect(renderTemplate(source, evil)).toEqual({
      ok: true,
      text: 'Hello from <a href="http://evil.example">click</a>',
    });
    expect(templateProblems(source)).toEqual([]);
    expect(renderTemplate(source, evil, 'html')).toEqual({
      ok: true,
      text: 'Hello from &lt;a href=&quot;http://evil.example&quot;&gt;click&lt;/a&gt;',
    });
  });

  it('flags unknown fields with the field they most likely meant', () => {
    expect(templateProblems('Hi {{ contact.firstname }} {{ LastName }} {{ org }}')).toEqual([
      'unknown merge field "contact.firstname"; did you mean "first_name"?',
      'unknown merge field "LastName"; did you mean "last_name"?',
      'unknown merge field "org" (known: first_name, last_name, email, company, title, phone, sender_name, sender_email, unsubscribe_link, custom.<column>)',
    ]);
  });

  it('accepts every known field, custom columns and variables the template assigns itself', () => {
    expect(
      templateProblems(
        '{% assign greeting = "Hi" %}{{ greeting }} {{ first_name }} {{ last_name }} {{ email }} {{ company }} {{ title }} {{ phone }} {{ sender_name }} {{ sender_email }} {{ custom.Notes }}',
      ),
    ).toEqual([]);
  });

  it('reports a syntax error and an unknown filter as problems', () => {
    expect(templateProblems('Hi {{ first_name ')[0]).toMatch(
      /^is not a valid template: output "{{ first_name " not closed/,
    );
    expect(templateProblems('{{ first_name | shout }}')[0]).toMatch(
      /^is not a valid template: undefined filter: shout/,
    );
  });
});

describe('{{ unsubscribe_link }} (SPEC §12)', () => {
  const contact = {
    email: 'ana@globex.example',
    firstName: 'Ana',
    lastName: '',
    company: '',
    title: '',
    phone: '',
    custom: {},
  } as unknown as Parameters<typeof mergeContext>[0];
  const mailbox = { name: 'Rep One', email: 'rep@acme.example' };

  it('is a known field, so the editor does not flag it', () => {
    expect(templateProblems('<p>Not for you? {{ unsubscribe_link }}</p>')).toEqual([]);
  });

  it('renders the email’s own link when the engine gives one, HTML-escaped', () => {
    const link = 'https://sync.acme.example/u/Nw.YW5h.abc';
    expect(
      renderTemplate('<a href="{{ unsubscribe_link }}">Unsubscribe</a>', mergeContext(contact, mailbox, link), 'html'),
    ).toEqual({ ok: true, text: `<a href="${link}">Unsubscribe</a>` });
  });

  it('never blocks a preview (no token yet): the mailbox’s own unsubscribe address stands in', () => {
    expect(renderTemplate('{{ unsubscribe_link }}', mergeContext(contact, mailbox))).toEqual({
      ok: true,
      text: 'mailto:rep@acme.example?subject=unsubscribe',
    });
  });
});
