/**
 * The inbox classifier (SPEC §11–§13), pure: `parseMessage` turns raw RFC 5322 bytes
 * into an `InboxMessage` (the host may build one from IMAP instead), and `classify`
 * says what it is. The renderer applies the result (matching, stop, pause, suppress).
 */
export { classify, type Classification, type ClassifyOptions, type InboxKind } from './classify';
export { type BounceRecipient } from './bounce';
export { type BounceCategory, CATEGORY_WORDS } from './permanence';
export { type InboxMessage, type InboxPart, InboxMessageSchema, InboxPartSchema } from './message';
export { parseMessage, DEFAULT_MAX_BYTES, type ParseOptions, type ParsedMessage } from './parse';
export { replyText, type ReplyText } from './reply-text';
export { classifiedFile, type ClassifiedFile } from './command';
export {
  matchMessage,
  type InboxMatch,
  type MatchLookups,
  type MatchTarget,
  type OngoingEnrollment,
  type SentRun,
} from './match';
export {
  inboxEffects,
  outOfOfficePause,
  afterOutOfOffice,
  dayWords,
  DEFAULT_OUT_OF_OFFICE_DAYS,
  SOFT_BOUNCES_TO_PAUSE,
  type EffectFacts,
  type EnrollmentFacts,
  type InboxEffect,
  type InboxEffects,
  type InboxFeedKind,
  type InboxFeedRow,
  type PersonFacts,
  type StopStatus,
} from './effects';
export { messageKey } from './dedupe';
export { doNotMailReason, type SuppressionReason } from './suppression';
export { contactBadges, type ContactBadge } from './badges';
