import { z } from 'zod';

/**
 * Schemas of the Zendesk responses this package reads (https://developer.zendesk.com/api-reference/,
 * the pages of each endpoint). They check what the code relies on and let every other field through
 * (`looseObject`), so a field Zendesk adds tomorrow is kept, not stripped.
 */

const id = z.number().int();
const nullableString = z.string().nullable().optional();

/** A user (`UserForAdmin`): the fields the connector reads are checked, the rest pass through. */
export const userSchema = z.looseObject({
  id,
  name: z.string().nullable(),
  email: nullableString,
  role: z.string().nullable().optional(),
  custom_role_id: id.nullable().optional(),
  external_id: z.union([z.string(), z.number()]).nullable().optional(),
  active: z.boolean().optional(),
  suspended: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
  user_fields: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type ZendeskUser = z.infer<typeof userSchema>;

/** `GET /users/me`: bad credentials answer 200 with the anonymous user, whose id is null (https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self). */
export const meSchema = z.object({
  user: z.looseObject({
    id: id.nullable(),
    name: z.string().nullable().optional(),
    email: nullableString,
    external_id: z.union([z.string(), z.number()]).nullable().optional(),
    role: z.string().nullable().optional(),
    active: z.boolean().optional(),
    suspended: z.boolean().optional(),
  }),
});

export const userEnvelopeSchema = z.object({ user: userSchema });
export const usersEnvelopeSchema = z.object({ users: z.array(userSchema) });

export const customRoleSchema = z.looseObject({
  id,
  name: z.string(),
  description: nullableString,
  role_type: z.number().int().nullable().optional(),
});
export type ZendeskCustomRole = z.infer<typeof customRoleSchema>;
export const customRolesSchema = z.object({ custom_roles: z.array(customRoleSchema) });

/** A custom user field (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/). */
export const userFieldSchema = z.looseObject({
  id,
  key: z.string(),
  type: z.string(),
  title: z.string().nullable().optional(),
  active: z.boolean().nullable().optional(),
  position: z.number().int().nullable().optional(),
});
export type ZendeskUserField = z.infer<typeof userFieldSchema>;

/**
 * The account's single sign-on configurations, `GET /api/v2/remote_authentications` (admins;
 * https://developer.zendesk.com/api-reference/ticketing/account-configuration/remote_authentications/).
 */
export const remoteAuthenticationSchema = z.looseObject({
  id,
  name: nullableString,
  auth_mode_name: nullableString,
  is_active: z.boolean().nullable().optional(),
  agent: z.boolean().nullable().optional(),
  end_user: z.boolean().nullable().optional(),
  remote_login_url: nullableString,
  remote_logout_url: nullableString,
  masked_secret: nullableString,
});
export const remoteAuthenticationsSchema = z.object({
  remote_authentications: z.array(remoteAuthenticationSchema),
});

/** A group (https://developer.zendesk.com/api-reference/ticketing/groups/groups/). */
export const groupSchema = z.looseObject({
  id,
  name: z.string(),
  description: nullableString,
  is_public: z.boolean().nullable().optional(),
  default: z.boolean().nullable().optional(),
  deleted: z.boolean().nullable().optional(),
});
export type ZendeskGroup = z.infer<typeof groupSchema>;
export const groupEnvelopeSchema = z.object({ group: groupSchema });

/** A group membership (https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/): ids are integers. */
export const groupMembershipSchema = z.looseObject({
  id,
  user_id: id,
  group_id: id,
  default: z.boolean().nullable().optional(),
});
export type ZendeskGroupMembership = z.infer<typeof groupMembershipSchema>;
export const groupMembershipEnvelopeSchema = z.object({ group_membership: groupMembershipSchema });

/** The answer to a DELETE that answers 204 with an empty body (groups, memberships). */
export const noContentSchema = z.unknown();

export const identitySchema = z.looseObject({
  id,
  type: z.string(),
  value: z.string(),
  primary: z.boolean().optional(),
  verified: z.boolean().optional(),
});
export type ZendeskIdentity = z.infer<typeof identitySchema>;
export const identityEnvelopeSchema = z.object({ identity: identitySchema });
export const identitiesEnvelopeSchema = z.object({ identities: z.array(identitySchema) });

/**
 * One item of a bulk job's `results` (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/). Shapes vary: `{id, index}` (documented create),
 * `{id, status:"Created", email}` (observed), `{id, action, success, status}` (update, delete),
 * `{id|index, success:false, error, details, status:"Failed"}` (failure).
 */
export const jobResultSchema = z.looseObject({
  id: z.union([id, z.string()]).nullable().optional(),
  index: z.number().int().nullable().optional(),
  status: z.string().nullable().optional(),
  action: z.string().nullable().optional(),
  success: z.boolean().nullable().optional(),
  error: z.string().nullable().optional(),
  details: z.unknown().optional(),
  email: z.string().nullable().optional(),
  external_id: z.union([z.string(), z.number()]).nullable().optional(),
});
export type ZendeskJobResult = z.infer<typeof jobResultSchema>;

export const jobStatusSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  total: z.number().int().nullable().optional(),
  progress: z.number().int().nullable().optional(),
  message: z.string().nullable().optional(),
  // An array for user jobs; `{success}` for ticket deletion jobs (not used here) is let through.
  results: z
    .union([z.array(jobResultSchema), z.looseObject({})])
    .nullable()
    .optional(),
});
export type ZendeskJobStatus = z.infer<typeof jobStatusSchema>;
export const jobStatusEnvelopeSchema = z.object({ job_status: jobStatusSchema });
export const jobStatusesEnvelopeSchema = z.object({ job_statuses: z.array(jobStatusSchema) });

/** Cursor pagination (https://developer.zendesk.com/api-reference/introduction/pagination/): `meta.has_more`, `links.next`; the list is under its own key. */
export const cursorPageSchema = z.looseObject({
  meta: z.looseObject({
    has_more: z.boolean(),
    after_cursor: z.string().nullable().optional(),
  }),
  links: z.looseObject({ next: z.string().nullable().optional() }),
});

/** Cursor-based incremental export (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/). */
export const incrementalPageSchema = z.looseObject({
  after_cursor: z.string().nullable().optional(),
  after_url: z.string().nullable().optional(),
  end_of_stream: z.boolean(),
});

/** Zendesk's error bodies: `{error, description, details}` (older style) or `{error:{title,message}}`. */
export const errorBodySchema = z.looseObject({
  error: z
    .union([z.string(), z.looseObject({ title: z.string().optional(), message: z.string().optional() })])
    .optional(),
  description: z.string().optional(),
  details: z
    .record(
      z.string(),
      z.array(z.looseObject({ description: z.string().optional(), error: z.string().optional() })),
    )
    .optional(),
});
