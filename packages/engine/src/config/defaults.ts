/**
 * provisio's default Zendesk user mappings (docs/mappings.md explains each one). They apply when the
 * configuration has no `mappings.users.attributes`.
 */
export interface FriendlyMapping {
  readonly target: string;
  readonly type: 'Direct' | 'Constant' | 'Expression' | 'None';
  readonly source?: string;
  readonly default?: string | null;
  readonly apply?: 'Always' | 'OnCreate';
  readonly matching?: number;
}

export const defaultUserMappings: readonly FriendlyMapping[] = [
  // The immutable object id first: it survives renames and e-mail changes, and Zendesk's external_id
  // is unique per account.
  { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
  // Then the e-mail, so that a pre-existing Zendesk user (created by hand or by e-mail) is matched
  // rather than duplicated.
  { target: 'email', type: 'Direct', source: 'userPrincipalName', matching: 2 },
  // Zendesk refuses a user without a name: fall back to the UPN.
  { target: 'name', type: 'Expression', source: 'Coalesce([displayName], [userPrincipalName])' },
  // The app roles (Agent, Admin, End-user, Light Agent or any custom role): the Zendesk connector keeps
  // the one that allows the most and turns it into role + custom_role_id. Entra's usual
  // SingleAppRoleAssignment fails for a user with two roles (say one direct, one through a group).
  { target: 'role', type: 'Expression', source: 'AppRoleAssignmentsComplex([appRoleAssignments])' },
  { target: 'phone', type: 'Direct', source: 'mobilePhone' },
  // Entra holds a BCP-47 tag (de-DE, en-IE); Zendesk knows mostly languages (de) and a few regional
  // forms (en-US, en-GB, pt-BR, zh-cn): keep those, otherwise send the language; nothing when unset.
  {
    target: 'locale',
    type: 'Expression',
    source:
      'IgnoreFlowIfNullOrEmpty(Switch([preferredLanguage], ToLower(Left([preferredLanguage], 2)), "en-US", "en-US", "en-GB", "en-GB", "en-IE", "en-GB", "en-AU", "en-GB", "en-NZ", "en-GB", "en-IN", "en-GB", "en-CA", "en-US", "pt-BR", "pt-BR", "zh-CN", "zh-cn", "zh-TW", "zh-tw", "nb-NO", "nb", "nn-NO", "nb"))',
  },
  { target: 'alias', type: 'Direct', source: 'givenName' },
  // What an agent sees on the user's profile: job title and department.
  { target: 'details', type: 'Expression', source: 'Join(", ", [jobTitle], [department])' },
];

/** Attributes every cycle reads from Graph beside those the mappings name. */
export const alwaysSelected: readonly string[] = ['userPrincipalName', 'accountEnabled', 'displayName'];

/** provisio's default Zendesk group mappings: the name matches, the description follows. */
export const defaultGroupMappings: readonly FriendlyMapping[] = [
  { target: 'name', type: 'Direct', source: 'displayName', matching: 1 },
  { target: 'description', type: 'Direct', source: 'description' },
];
