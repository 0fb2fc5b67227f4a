/** Records held by the Zendesk emulator. Only what varies is stored; `render.ts` fills defaults. */

export type Role = 'end-user' | 'agent' | 'admin';
export const roles: readonly Role[] = ['end-user', 'agent', 'admin'];

export interface UserRecord {
  readonly id: number;
  name: string;
  role: Role;
  customRoleId: number | null;
  externalId: string | null;
  alias: string;
  details: string;
  notes: string;
  signature: string;
  phone: string | null;
  sharedPhoneNumber: boolean | null;
  locale: string;
  localeId: number;
  timeZone: string;
  organizationId: number | null;
  tags: string[];
  userFields: Record<string, unknown>;
  moderator: boolean;
  onlyPrivateComments: boolean;
  ticketRestriction: string | null;
  suspended: boolean;
  /** false once soft-deleted. */
  active: boolean;
  verified: boolean;
  /** Ticket-sharing users cannot be updated (403). */
  shared: boolean;
  remotePhotoUrl: string | null;
  readonly createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
  /** Set when soft-deleted; the email and external_id are then released for reuse. */
  deletedAt: number | null;
  permanentlyDeleted: boolean;
}

export type IdentityType =
  | 'email'
  | 'twitter'
  | 'facebook'
  | 'google'
  | 'phone_number'
  | 'agent_forwarding'
  | 'any_channel'
  | 'foreign'
  | 'sdk'
  | 'messaging';

export interface IdentityRecord {
  readonly id: number;
  readonly userId: number;
  readonly type: IdentityType;
  value: string;
  primary: boolean;
  verified: boolean;
  readonly createdAt: number;
  updatedAt: number;
}

export interface GroupRecord {
  readonly id: number;
  name: string;
  description: string;
  isPublic: boolean;
  /** The account's default group: new agents join it. */
  isDefault: boolean;
  deleted: boolean;
  readonly createdAt: number;
  updatedAt: number;
}

export interface MembershipRecord {
  readonly id: number;
  readonly userId: number;
  readonly groupId: number;
  isDefault: boolean;
  readonly createdAt: number;
  updatedAt: number;
}

export interface CustomRoleRecord {
  readonly id: number;
  name: string;
  description: string;
  /** 0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin, 5 billing admin. */
  roleType: number;
  configuration: Record<string, unknown>;
  readonly createdAt: number;
  updatedAt: number;
}

export const userFieldTypes = [
  'text',
  'textarea',
  'checkbox',
  'date',
  'integer',
  'decimal',
  'regexp',
  'dropdown',
  'lookup',
  'multiselect',
] as const;
export type UserFieldType = (typeof userFieldTypes)[number];

export interface UserFieldOption {
  readonly id: number;
  name: string;
  value: string;
  position: number;
}

export interface UserFieldRecord {
  readonly id: number;
  key: string;
  type: UserFieldType;
  title: string;
  description: string;
  position: number;
  active: boolean;
  regexpForValidation: string | null;
  tag: string | null;
  options: UserFieldOption[];
  readonly createdAt: number;
  updatedAt: number;
}

export type JobState = 'queued' | 'working' | 'completed' | 'failed' | 'killed';

export interface JobRecord {
  readonly id: string;
  readonly jobType: string;
  status: JobState;
  readonly total: number;
  progress: number | null;
  message: string | null;
  results: Record<string, unknown>[] | null;
  readonly createdAt: number;
  completedAt: number | null;
  /** Polls still to answer 404 (fault injection: the job is not visible yet). */
  hiddenPolls: number;
}
