import type { EmailStep } from '../../../core/model';

/** The fields of a step one edit changes (`send` merges field by field). */
export interface StepPatch {
  subject?: string;
  body?: string;
  title?: string;
  notes?: string;
  send?: Partial<EmailStep['send']>;
}
