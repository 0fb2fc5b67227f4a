import { defaultGroupId } from './memberships.js';
import { timeZones } from './reference-data.js';
import type { ZendeskStore } from './store.js';
import type {
  CustomRoleRecord,
  GroupRecord,
  IdentityRecord,
  JobRecord,
  MembershipRecord,
  UserFieldRecord,
  UserRecord,
} from './types.js';

/**
 * JSON shapes as Zendesk sends them (OpenAPI `UserForAdmin`, `GroupObject`, …). `base` is the
 * account's origin as the client reached it, e.g. `http://127.0.0.1:4010`; object `url` fields end
 * in `.json`, as recorded traffic shows.
 */
export class Renderer {
  constructor(
    private readonly store: ZendeskStore,
    readonly base: string,
  ) {}

  /** Keys of the active user fields, computed once per renderer (one renderer serves one request). */
  private fieldKeys: string[] | null = null;

  private activeFieldKeys(): string[] {
    this.fieldKeys ??= [...this.store.userFields.ascending((f) => f.active)].map((f) => f.key);
    return this.fieldKeys;
  }

  private iso(ms: number): string {
    return this.store.clock.iso(ms);
  }

  url(path: string): string {
    return `${this.base}/api/v2/${path}.json`;
  }

  user(user: UserRecord): Record<string, unknown> {
    const store = this.store;
    const staff = user.role === 'agent' || user.role === 'admin';
    const customRole = user.customRoleId === null ? undefined : store.customRoles.get(user.customRoleId);
    const roleType =
      user.role === 'admin' ? 4 : user.role === 'agent' && customRole ? customRole.roleType : null;
    const fields: Record<string, unknown> = {};
    for (const key of this.activeFieldKeys()) fields[key] = user.userFields[key] ?? null;
    const out: Record<string, unknown> = {
      id: user.id,
      url: this.url(`users/${user.id}`),
      name: user.name,
      email: user.permanentlyDeleted ? null : store.primaryEmail(user.id),
      created_at: this.iso(user.createdAt),
      updated_at: this.iso(user.updatedAt),
      time_zone: user.timeZone,
      iana_time_zone: timeZones[user.timeZone] ?? 'Etc/UTC',
      phone: user.phone,
      shared_phone_number: user.sharedPhoneNumber,
      photo: null,
      locale_id: user.localeId,
      locale: user.locale,
      organization_id: user.organizationId,
      role: user.role,
      verified: user.verified,
      external_id: user.externalId,
      tags: user.tags,
      alias: user.alias,
      active: user.active,
      shared: user.shared,
      shared_agent: false,
      last_login_at: user.lastLoginAt === null ? null : this.iso(user.lastLoginAt),
      two_factor_auth_enabled: null,
      signature: user.signature,
      details: user.details,
      notes: user.notes,
      role_type: roleType,
      custom_role_id: user.role === 'agent' ? user.customRoleId : null,
      moderator: user.moderator,
      ticket_restriction: user.ticketRestriction,
      only_private_comments: user.onlyPrivateComments,
      restricted_agent: user.role === 'admin' ? false : user.role === 'end-user' || customRole !== undefined,
      suspended: user.suspended,
      chat_only: false,
      report_csv: user.role === 'admin',
      user_fields: fields,
    };
    // `default_group_id` is an integer in the OpenAPI document and only meaningful for agents.
    const groupId = staff ? defaultGroupId(store, user.id) : null;
    if (groupId !== null) out['default_group_id'] = groupId;
    if (user.remotePhotoUrl !== null) out['remote_photo_url'] = user.remotePhotoUrl;
    return out;
  }

  /**
   * `users/me` with bad or missing credentials answers 200 with this, as recorded traffic shows (Show Self is
   * "Allowed For: Anonymous users":
   * https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self).
   */
  anonymousUser(): Record<string, unknown> {
    return {
      id: null,
      url: null,
      name: 'Anonymous user',
      email: 'invalid@example.com',
      created_at: null,
      updated_at: null,
      time_zone: 'Eastern Time (US & Canada)',
      iana_time_zone: 'America/New_York',
      phone: null,
      shared_phone_number: null,
      photo: null,
      locale_id: 1,
      locale: 'en-US',
      organization_id: null,
      role: 'end-user',
      verified: false,
      authenticity_token: null,
    };
  }

  deletedUser(user: UserRecord): Record<string, unknown> {
    return {
      id: user.id,
      url: this.url(`deleted_users/${user.id}`),
      name: user.name,
      email: user.permanentlyDeleted ? null : this.store.primaryEmail(user.id),
      created_at: this.iso(user.createdAt),
      updated_at: this.iso(user.updatedAt),
      time_zone: user.timeZone,
      phone: user.permanentlyDeleted ? null : user.phone,
      shared_phone_number: user.sharedPhoneNumber,
      photo: null,
      locale_id: user.localeId,
      locale: user.locale,
      organization_id: user.organizationId,
      role: user.role,
      active: false,
    };
  }

  identity(identity: IdentityRecord): Record<string, unknown> {
    return {
      id: identity.id,
      url: this.url(`users/${identity.userId}/identities/${identity.id}`),
      user_id: identity.userId,
      type: identity.type,
      value: identity.value,
      verified: identity.verified,
      primary: identity.primary,
      created_at: this.iso(identity.createdAt),
      updated_at: this.iso(identity.updatedAt),
      undeliverable_count: 0,
      deliverable_state: 'deliverable',
    };
  }

  group(group: GroupRecord): Record<string, unknown> {
    return {
      id: group.id,
      url: this.url(`groups/${group.id}`),
      name: group.name,
      description: group.description,
      default: group.isDefault,
      deleted: group.deleted,
      is_public: group.isPublic,
      created_at: this.iso(group.createdAt),
      updated_at: this.iso(group.updatedAt),
    };
  }

  membership(membership: MembershipRecord): Record<string, unknown> {
    return {
      id: membership.id,
      url: this.url(`group_memberships/${membership.id}`),
      user_id: membership.userId,
      group_id: membership.groupId,
      default: membership.isDefault,
      created_at: this.iso(membership.createdAt),
      updated_at: this.iso(membership.updatedAt),
    };
  }

  customRole(role: CustomRoleRecord): Record<string, unknown> {
    let members = 0;
    for (const user of this.store.users.values())
      if (user.active && user.customRoleId === role.id) members += 1;
    return {
      id: role.id,
      name: role.name,
      description: role.description,
      role_type: role.roleType,
      team_member_count: members,
      configuration: role.configuration,
      created_at: this.iso(role.createdAt),
      updated_at: this.iso(role.updatedAt),
    };
  }

  userField(field: UserFieldRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: field.id,
      url: this.url(`user_fields/${field.id}`),
      key: field.key,
      type: field.type,
      title: field.title,
      raw_title: field.title,
      description: field.description,
      raw_description: field.description,
      position: field.position,
      active: field.active,
      system: false,
      regexp_for_validation: field.regexpForValidation,
      created_at: this.iso(field.createdAt),
      updated_at: this.iso(field.updatedAt),
    };
    // `tag`: "Optional for custom field of type checkbox; not presented otherwise" [spec], and a
    // string when present.
    if (field.type === 'checkbox' && field.tag !== null) out['tag'] = field.tag;
    if (field.type === 'dropdown' || field.type === 'multiselect') {
      out['custom_field_options'] = field.options.map((o) => ({
        id: o.id,
        name: o.name,
        raw_name: o.name,
        value: o.value,
        position: o.position,
        default: false,
        url: this.url(`user_fields/${field.id}/options/${o.id}`),
      }));
    }
    return out;
  }

  job(job: JobRecord): Record<string, unknown> {
    return {
      id: job.id,
      url: this.url(`job_statuses/${job.id}`),
      job_type: job.jobType,
      total: job.total,
      progress: job.progress,
      status: job.status,
      message: job.message,
      results: job.results,
    };
  }
}
