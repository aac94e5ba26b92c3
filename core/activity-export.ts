/**
 * A campaign's activity (emails sent, tasks done or skipped) as rows a CRM importer takes
 * (issue 12: "a CSV the salesperson can import is the offline stand-in" for the Salesforce sync).
 *
 * - **Salesforce** (Data Loader / Data Import Wizard into the Task object): the columns are the
 *   Task fields' API names, `Subject`, `ActivityDate` (the date, `YYYY-MM-DD`), `Status`
 *   (`Completed` for what happened), `Priority` (`Normal`), `Type` (`Email`, `Call`, `Other`),
 *   `TaskSubtype` (`Email`, `Call`, `Task`), `Description`; `Email` is the person's address, for
 *   matching to the Contact or Lead the Task's `WhoId` names (Salesforce needs the record's id,
 *   which only the CRM knows).
 * - **HubSpot** (import of Emails activities with their contacts): the Email object's property
 *   labels `Activity date` (hs_timestamp, ISO 8601 UTC), `Email direction` (`EMAIL`: sent),
 *   `Email send status` (`SENT`), `Email subject`, `Email body` (hs_email_text), and the
 *   contact's `Email`, `First name`, `Last name` that HubSpot associates the email with. HubSpot
 *   imports emails, calls and tasks as separate objects, so tasks go in as `Task` rows of the
 *   Salesforce file only; the HubSpot file holds emails.
 */

/** One thing that happened for a person in a campaign. */
export interface Activity {
  kind: 'email' | 'call' | 'linkedin' | 'custom';
  /** `sent` for an email, `done` or `skipped` for a task. */
  outcome: 'sent' | 'done' | 'skipped';
  /** UTC ms. */
  at: number;
  subject: string;
  /** Plain text. */
  body: string;
  email: string;
  firstName: string;
  lastName: string;
  campaign: string;
}

export const SALESFORCE_COLUMNS = [
  'Subject',
  'ActivityDate',
  'Status',
  'Priority',
  'Type',
  'TaskSubtype',
  'Description',
  'Email',
] as const;

export const HUBSPOT_COLUMNS = [
  'Activity date',
  'Email direction',
  'Email send status',
  'Email subject',
  'Email body',
  'Email',
  'First name',
  'Last name',
] as const;

export type CrmLayout = 'salesforce' | 'hubspot';

const SF_TYPE: Record<Activity['kind'], { type: string; subtype: string }> = {
  email: { type: 'Email', subtype: 'Email' },
  call: { type: 'Call', subtype: 'Call' },
  linkedin: { type: 'Other', subtype: 'Task' },
  custom: { type: 'Other', subtype: 'Task' },
};

/** A Salesforce `Description` / HubSpot body: Salesforce's long text field holds 32,000 characters. */
function clip(text: string, max = 32_000): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The rows of one layout, in `at` order, each an object keyed by that layout's column names
 * ({@link SALESFORCE_COLUMNS}, {@link HUBSPOT_COLUMNS}). Salesforce dates are the UTC date of the
 * instant; HubSpot's `Activity date` is ISO 8601 in UTC (`2026-03-02T14:00:00.000Z`).
 */
export function activityRows(layout: CrmLayout, activities: readonly Activity[]): Record<string, string>[] {
  const sorted = [...activities].sort((a, b) => a.at - b.at);
  if (layout === 'salesforce')
    return sorted.map((a) => {
      const skipped = a.outcome === 'skipped';
      return {
        Subject: a.kind === 'email' ? `Email: ${a.subject}` : a.subject,
        ActivityDate: new Date(a.at).toISOString().slice(0, 10),
        Status: 'Completed',
        Priority: 'Normal',
        Type: SF_TYPE[a.kind].type,
        TaskSubtype: SF_TYPE[a.kind].subtype,
        Description: clip(`${skipped ? 'Skipped. ' : ''}Campaign: ${a.campaign}${a.body ? `\n\n${a.body}` : ''}`),
        Email: a.email,
      };
    });
  return sorted
    .filter((a) => a.kind === 'email' && a.outcome === 'sent')
    .map((a) => ({
      'Activity date': new Date(a.at).toISOString(),
      'Email direction': 'EMAIL',
      'Email send status': 'SENT',
      'Email subject': a.subject,
      'Email body': clip(a.body, 65_536),
      Email: a.email,
      'First name': a.firstName,
      'Last name': a.lastName,
    }));
}
