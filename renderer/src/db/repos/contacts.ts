import { InputError, show } from '../../../../core/errors';
import type { ImportedContact } from '../../../../core/contacts-import';
import { EmailAddress, type Contact } from '../../../../core/model';
import { storableProblems } from '../../../../core/storable';
import { zoneProblem } from '../../../../core/zones';
import { useDb } from '../database';
import { inChange, now } from '../change';
import type { ContactRecord } from '../records';

/** The fields a person edits on a contact (all strings; empty means none). */
export type ContactInput = ImportedContact;

/** A stored contact in core's shape (empty strings become absent fields) for `plan` and the preview. */
export function toCoreContact(contact: ContactRecord): Contact {
  return {
    id: contact.id,
    email: contact.email,
    firstName: contact.firstName || undefined,
    lastName: contact.lastName || undefined,
    company: contact.company || undefined,
    title: contact.title || undefined,
    phone: contact.phone || undefined,
    timeZone: contact.timeZone || undefined,
    custom: contact.custom,
  };
}

export function displayName(contact: Pick<ContactRecord, 'firstName' | 'lastName' | 'email'>): string {
  return `${contact.firstName} ${contact.lastName}`.trim() || contact.email;
}

/**
 * Checks a contact form: an address is required and must be one; a zone, if given,
 * must be an IANA name; names cannot carry line breaks; no field may hold a NUL
 * character or a lone surrogate (core/storable.ts).
 * @throws InputError naming the field (`email`, `timeZone`, …) and the value.
 */
export function checkContactInput(input: ContactInput): void {
  const problems = [];
  const email = EmailAddress.safeParse(input.email.trim());
  if (!input.email.trim()) problems.push({ path: 'email', message: 'is required' });
  else if (!email.success) problems.push({ path: 'email', message: email.error.issues[0]!.message });
  const zone = input.timeZone.trim() ? zoneProblem(input.timeZone.trim()) : undefined;
  if (zone) problems.push({ path: 'timeZone', message: zone });
  for (const field of ['firstName', 'lastName'] as const) {
    if (/[\r\n]/.test(input[field]))
      problems.push({ path: field, message: `${show(input[field])} contains a line break` });
  }
  // Text the team's database cannot hold (a NUL, half an emoji) would stop at sync: refuse it here.
  const named = new Set(problems.map((problem) => problem.path));
  problems.push(...storableProblems(input).filter((problem) => !named.has(problem.path)));
  if (problems.length > 0) throw new InputError(problems);
}

function toRecord(input: ContactInput, id: string, at: number): ContactRecord {
  const email = input.email.trim();
  return {
    id,
    email,
    emailKey: email.toLowerCase(),
    firstName: input.firstName.trim(),
    lastName: input.lastName.trim(),
    company: input.company.trim(),
    title: input.title.trim(),
    phone: input.phone.trim(),
    timeZone: input.timeZone.trim(),
    notes: input.notes,
    custom: { ...input.custom },
    unsubscribed: false,
    bounced: false,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/**
 * Adds one contact.
 * @throws InputError for a bad field, or at `email` when the address is already a contact.
 */
export async function createContact(input: ContactInput): Promise<ContactRecord> {
  checkContactInput(input);
  const db = useDb();
  const at = now();
  const record = toRecord(input, crypto.randomUUID(), at);
  return inChange([db.contacts], async () => {
    const existing = await db.contacts.where('emailKey').equals(record.emailKey).first();
    if (existing) {
      const name = `${existing.firstName} ${existing.lastName}`.trim();
      throw new InputError([
        { path: 'email', message: `${show(record.email)} is already a contact${name ? ` (${name})` : ''}` },
      ]);
    }
    await db.contacts.add(record);
    return {
      result: record,
      change: {
        name: 'contact/create',
        args: record,
        feed: { kind: 'contact.created', text: `Added contact ${displayName(record)}`, contactId: record.id },
      },
    };
  });
}

/**
 * Saves an edited contact.
 * @throws InputError for a bad field, an address another contact has, or a contact that no longer exists.
 */
export async function updateContact(id: string, input: ContactInput): Promise<ContactRecord> {
  checkContactInput(input);
  const db = useDb();
  const at = now();
  return inChange([db.contacts], async () => {
    const current = await db.contacts.get(id);
    if (!current) throw new InputError([{ path: 'id', message: `${show(id)} is not a contact (was it deleted?)` }]);
    const next = { ...toRecord(input, id, at), createdAt: current.createdAt, version: current.version + 1 };
    next.unsubscribed = current.unsubscribed;
    next.bounced = current.bounced;
    const clash = await db.contacts.where('emailKey').equals(next.emailKey).first();
    if (clash && clash.id !== id)
      throw new InputError([{ path: 'email', message: `${show(next.email)} belongs to another contact` }]);
    await db.contacts.put(next);
    return {
      result: next,
      change: {
        name: 'contact/update',
        args: next,
        feed: { kind: 'contact.edited', text: `Edited contact ${displayName(next)}`, contactId: id },
      },
    };
  });
}

/**
 * Deletes contacts and returns them (for undo with {@link restoreContacts}).
 * @throws InputError when one is in an active campaign (remove them from it first); nothing is deleted then.
 */
export async function deleteContacts(ids: readonly string[]): Promise<ContactRecord[]> {
  const db = useDb();
  return inChange([db.contacts, db.enrollments], async () => {
    const records = (await db.contacts.bulkGet([...ids])).filter((record): record is ContactRecord => !!record);
    for (const record of records) {
      const ongoing = await db.enrollments
        .where('[contactId+status]')
        .anyOf([record.id, 'active'], [record.id, 'paused'])
        .count();
      if (ongoing > 0) {
        throw new InputError([
          {
            path: 'contacts',
            message: `${displayName(record)} is in ${ongoing} campaign${ongoing > 1 ? 's' : ''} (active or paused); remove them from it first`,
          },
        ]);
      }
    }
    await db.contacts.bulkDelete(records.map((record) => record.id));
    const text =
      records.length === 1 ? `Deleted contact ${displayName(records[0]!)}` : `Deleted ${records.length} contacts`;
    return {
      result: records,
      change: {
        name: 'contact/delete',
        args: { ids: records.map((r) => r.id) },
        feed: { kind: 'contact.deleted', text },
      },
    };
  });
}

/** Puts deleted contacts back (undo). */
export async function restoreContacts(records: readonly ContactRecord[]): Promise<void> {
  const db = useDb();
  await inChange([db.contacts], async () => {
    await db.contacts.bulkPut([...records]);
    const text =
      records.length === 1 ? `Restored contact ${displayName(records[0]!)}` : `Restored ${records.length} contacts`;
    return {
      result: undefined,
      change: { name: 'contact/restore', args: records, feed: { kind: 'contact.created', text } },
    };
  });
}

/** What an import did, row counts. */
export interface ImportResult {
  added: number;
  merged: number;
  skipped: number;
}

/**
 * Writes checked import rows in one transaction. A row whose address is already a
 * contact (or appeared earlier in the file) is merged into it — its non-empty values
 * win, custom columns are combined — or skipped, as the person chose.
 */
export async function importContacts(
  rows: readonly ImportedContact[],
  duplicates: 'merge' | 'skip',
  fileName: string,
): Promise<ImportResult> {
  const db = useDb();
  const at = now();
  return inChange(
    [db.contacts],
    async () => {
      const keys = [...new Set(rows.map((row) => row.email.trim().toLowerCase()))];
      const existing = new Map<string, ContactRecord>();
      for (const record of await db.contacts.where('emailKey').anyOf(keys).toArray())
        existing.set(record.emailKey, record);
      const touched = new Map<string, ContactRecord>();
      const result: ImportResult = { added: 0, merged: 0, skipped: 0 };
      for (const row of rows) {
        const key = row.email.trim().toLowerCase();
        const before = touched.get(key) ?? existing.get(key);
        if (!before) {
          touched.set(key, toRecord(row, crypto.randomUUID(), at));
          result.added++;
          continue;
        }
        if (duplicates === 'skip') {
          result.skipped++;
          continue;
        }
        const merged: ContactRecord = {
          ...before,
          custom: { ...before.custom, ...row.custom },
          updatedAt: at,
          version: before.version + (touched.has(key) ? 0 : 1),
        };
        for (const field of ['firstName', 'lastName', 'company', 'title', 'phone', 'timeZone', 'notes'] as const) {
          if (row[field].trim() !== '') merged[field] = field === 'notes' ? row[field] : row[field].trim();
        }
        touched.set(key, merged);
        result.merged++;
      }
      await db.contacts.bulkPut([...touched.values()]);
      const parts = [
        `${result.added} added`,
        result.merged ? `${result.merged} merged` : '',
        result.skipped ? `${result.skipped} skipped as duplicates` : '',
      ].filter(Boolean);
      return {
        result,
        change: {
          name: 'contacts/import',
          args: { contacts: [...touched.values()] },
          feed: { kind: 'contacts.imported', text: `Imported ${fileName}: ${parts.join(', ')}` },
        },
      };
    },
    at,
  );
}
