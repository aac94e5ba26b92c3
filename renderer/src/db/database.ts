import Dexie, { type EntityTable } from 'dexie';
import type {
  CampaignRecord,
  CampaignResultsRecord,
  ConflictRecord,
  ContactRecord,
  EnrollmentRecord,
  FeedEventRecord,
  InboxMessageRecord,
  MailboxRecord,
  MetaRecord,
  OutboxRecord,
  SentCopyRecord,
  StepRunRecord,
  SuppressionRecord,
  TaskRecord,
  TemplateRecord,
} from './records';
import { captureWrites } from './capture';
import { v1 } from './v1';
import { v2 } from './v2';
import { v3 } from './v3';
import { v4 } from './v4';
import { v5 } from './v5';
import { v6 } from './v6';
import { v7 } from './v7';
import { maintainResults } from './results';

/** The local database: IndexedDB through Dexie, typed per table. */
export class CampaignDeskDb extends Dexie {
  mailboxes!: EntityTable<MailboxRecord, 'id'>;
  contacts!: EntityTable<ContactRecord, 'id'>;
  templates!: EntityTable<TemplateRecord, 'id'>;
  campaigns!: EntityTable<CampaignRecord, 'id'>;
  enrollments!: EntityTable<EnrollmentRecord, 'id'>;
  stepRuns!: EntityTable<StepRunRecord, 'id'>;
  tasks!: EntityTable<TaskRecord, 'id'>;
  feed!: EntityTable<FeedEventRecord, 'id'>;
  outbox!: EntityTable<OutboxRecord, 'mutationId'>;
  meta!: EntityTable<MetaRecord, 'key'>;
  conflicts!: EntityTable<ConflictRecord, 'id'>;
  suppressions!: EntityTable<SuppressionRecord, 'id'>;
  inboxMessages!: EntityTable<InboxMessageRecord, 'id'>;
  sentCopies!: EntityTable<SentCopyRecord, 'id'>;
  campaignResults!: EntityTable<CampaignResultsRecord, 'id'>;

  constructor(name = 'campaign-desk') {
    super(name);
    v1(this);
    v2(this);
    v3(this);
    v4(this);
    v5(this);
    v6(this);
    v7(this);
    captureWrites(this);
    maintainResults(this);
  }
}

let instance: CampaignDeskDb | undefined;

/** The app's database (one per page). The e2e suite gives each test a fresh one through the page's storage. */
export function useDb(): CampaignDeskDb {
  instance ??= new CampaignDeskDb();
  return instance;
}

/** Replaces the app's database, for unit tests. */
export function setDb(db: CampaignDeskDb): void {
  instance = db;
}

/** Why the database could not open, in words a salesperson can act on; the data is never touched. */
export function describeOpenFailure(error: unknown): { title: string; detail: string } {
  const name = (error as { name?: string })?.name ?? '';
  const inner = (error as { inner?: { name?: string } })?.inner?.name ?? '';
  const message = (error as Error)?.message ?? String(error);
  if (name === 'VersionError' || inner === 'VersionError') {
    return {
      title: 'Your data was saved by a newer version of Campaign Desk',
      detail:
        'This version cannot read it. Install the latest Campaign Desk to open it; nothing has been changed or deleted.',
    };
  }
  if (name === 'QuotaExceededError' || inner === 'QuotaExceededError') {
    return {
      title: 'Your disk is full',
      detail:
        'Campaign Desk could not open its database because there is no space left. Free some disk space and reopen the app; your data is intact.',
    };
  }
  if (name === 'DatabaseClosedError' && /blocked/i.test(message)) {
    return {
      title: 'Another Campaign Desk window is holding the database',
      detail:
        'Close the other Campaign Desk windows or tabs; this one opens by itself as soon as they do. Nothing has been changed.',
    };
  }
  return {
    title: 'Campaign Desk could not open its database',
    detail: `${message}. Your data has not been changed or deleted; restart the app, and if this keeps happening, send us the app's logs.`,
  };
}
