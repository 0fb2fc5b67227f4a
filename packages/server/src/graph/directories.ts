/**
 * The `directories` section of a job's synchronization schema: Graph's `directoryDefinition`
 * (https://learn.microsoft.com/graph/api/resources/synchronization-directorydefinition) for both
 * sides. The Zendesk directory lists what a mapping may target: the user attributes the Zendesk
 * connector writes (docs/mappings.md#zendesk-attributes), the account's custom user fields as
 * `user_fields.<key>` (discovered from the account when the job is configured), and the group
 * attributes. The Entra directory lists the attributes the job reads: the ones provisio computes
 * and the Graph properties its mappings and scoping filters name.
 */
import type { TargetUserField } from '@provisio/engine';

/** Graph's attribute types (`attributeType`). */
export type GraphAttributeType = 'String' | 'Integer' | 'Reference' | 'Binary' | 'Boolean' | 'DateTime';

/** Graph's `attributeDefinition`. */
export interface GraphAttributeDefinition {
  readonly name: string;
  readonly type: GraphAttributeType;
  readonly anchor: boolean;
  readonly caseExact: boolean;
  readonly defaultValue: string | null;
  readonly flowNullValues: boolean;
  readonly multivalued: boolean;
  readonly mutability: 'ReadWrite' | 'ReadOnly' | 'Immutable' | 'WriteOnly';
  readonly required: boolean;
  readonly referencedObjects: readonly { readonly referencedObjectName: string }[];
  readonly metadata: readonly { readonly key: string; readonly value: string }[];
}

/** Graph's `objectDefinition`. */
export interface GraphObjectDefinition {
  readonly name: string;
  readonly attributes: readonly GraphAttributeDefinition[];
  readonly metadata: readonly { readonly key: string; readonly value: string }[];
  readonly supportedApis: readonly string[];
}

/** Graph's `directoryDefinition`. */
export interface GraphDirectoryDefinition {
  readonly id: string;
  readonly name: string;
  readonly discoverabilities: string;
  readonly discoveryDateTime: string | null;
  readonly objects: readonly GraphObjectDefinition[];
  readonly readOnly: boolean;
  readonly version: string | null;
}

export const SOURCE_DIRECTORY_NAME = 'Azure Active Directory';
export const TARGET_DIRECTORY_NAME = 'Zendesk';

/** The prefix of a custom user field's target name (docs/mappings.md#zendesk-attributes). */
export const USER_FIELDS_PREFIX = 'user_fields.';

interface AttributeSpec {
  readonly type?: GraphAttributeType;
  readonly multivalued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
}

/**
 * The Zendesk user attributes the connector writes and compares, with the types its conversions
 * give them (docs/mappings.md#zendesk-attributes; Zendesk's user object:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format).
 */
export const zendeskUserAttributes: Readonly<Record<string, AttributeSpec>> = {
  name: { required: true },
  email: {},
  external_id: {},
  role: {},
  custom_role_id: { type: 'Integer' },
  phone: {},
  shared_phone_number: { type: 'Boolean' },
  locale: {},
  locale_id: { type: 'Integer' },
  time_zone: {},
  alias: {},
  details: {},
  notes: {},
  signature: {},
  tags: { multivalued: true },
  organization_id: { type: 'Integer' },
  default_group_id: { type: 'Integer' },
  verified: { type: 'Boolean' },
  skip_verify_email: { type: 'Boolean' },
  moderator: { type: 'Boolean' },
  only_private_comments: { type: 'Boolean' },
  ticket_restriction: {},
  restricted_agent: { type: 'Boolean' },
  suspended: { type: 'Boolean' },
};

/** The group attributes the connector writes (https://developer.zendesk.com/api-reference/ticketing/groups/groups/). */
export const zendeskGroupAttributes: Readonly<Record<string, AttributeSpec>> = {
  name: { required: true },
  description: {},
  is_public: { type: 'Boolean' },
};

/** The attributes provisio computes for each user (docs/mappings.md#source-attributes). */
const computedUserAttributes: Readonly<Record<string, AttributeSpec>> = {
  objectId: {},
  appRoleAssignments: { multivalued: true },
  IsSoftDeleted: { type: 'Boolean' },
};

const sourceTypes: Readonly<Record<string, GraphAttributeType>> = { accountEnabled: 'Boolean' };

function attribute(
  name: string,
  spec: AttributeSpec,
  metadata: readonly { key: string; value: string }[] = [],
): GraphAttributeDefinition {
  return {
    name,
    type: spec.type ?? 'String',
    anchor: false,
    caseExact: spec.caseExact ?? false,
    defaultValue: null,
    flowNullValues: false,
    multivalued: spec.multivalued ?? false,
    mutability: 'ReadWrite',
    required: spec.required ?? false,
    referencedObjects: [],
    metadata,
  };
}

/** A Zendesk user field type as a Graph attribute type (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/). */
function fieldSpec(type: string): AttributeSpec {
  switch (type) {
    case 'checkbox':
      return { type: 'Boolean' };
    case 'integer':
      return { type: 'Integer' };
    case 'date':
      return { type: 'DateTime' };
    case 'multiselect':
      return { multivalued: true };
    default:
      return {};
  }
}

function objectDefinition(name: string, attributes: GraphAttributeDefinition[]): GraphObjectDefinition {
  return { name, attributes, metadata: [], supportedApis: [] };
}

export interface DirectoryInput {
  /** The Graph user properties the job reads (`CompiledJobWithoutSecrets.users.select`). */
  readonly userSelect: readonly string[];
  readonly groupSelect: readonly string[];
  /** The account's custom user fields; null when they were not (or could not be) discovered. */
  readonly userFields: readonly TargetUserField[] | null;
  /** When they were discovered (ISO-8601). */
  readonly discoveredAt: string | null;
}

export function directoryDefinitions(input: DirectoryInput): GraphDirectoryDefinition[] {
  const sourceUser = [
    ...Object.entries(computedUserAttributes).map(([name, spec]) => attribute(name, spec)),
    ...input.userSelect
      .filter((name) => !Object.hasOwn(computedUserAttributes, name))
      .map((name) => attribute(name, { type: sourceTypes[name] ?? 'String' })),
  ];
  const sourceGroup = [
    attribute('objectId', {}),
    ...input.groupSelect.filter((name) => name !== 'objectId').map((name) => attribute(name, {})),
  ];
  const targetUser = [
    ...Object.entries(zendeskUserAttributes).map(([name, spec]) => attribute(name, spec)),
    ...(input.userFields ?? []).map((field) =>
      attribute(`${USER_FIELDS_PREFIX}${field.key}`, fieldSpec(field.type), [
        { key: 'IsCustomerDefined', value: 'true' },
      ]),
    ),
  ];
  const targetGroup = Object.entries(zendeskGroupAttributes).map(([name, spec]) => attribute(name, spec));
  return [
    {
      id: 'AzureActiveDirectory',
      name: SOURCE_DIRECTORY_NAME,
      discoverabilities: 'None',
      discoveryDateTime: null,
      objects: [objectDefinition('User', sourceUser), objectDefinition('Group', sourceGroup)],
      readOnly: true,
      version: null,
    },
    {
      id: 'Zendesk',
      name: TARGET_DIRECTORY_NAME,
      discoverabilities: input.userFields === null ? 'None' : 'AttributeNames, AttributeDataTypes',
      discoveryDateTime: input.discoveredAt,
      objects: [objectDefinition('User', targetUser), objectDefinition('Group', targetGroup)],
      readOnly: true,
      version: null,
    },
  ];
}

/**
 * Why a mapping target is not a Zendesk attribute, or null when it is one. Custom user fields are
 * checked only when the account's fields are known (`userFields` not null).
 */
export function targetAttributeProblem(
  side: 'users' | 'groups',
  target: string,
  userFields: readonly TargetUserField[] | null,
): string | null {
  if (side === 'groups') {
    if (Object.hasOwn(zendeskGroupAttributes, target)) return null;
    return `"${target}" is not a Zendesk group attribute: map ${Object.keys(zendeskGroupAttributes)
      .map((n) => `"${n}"`)
      .join(', ')}`;
  }
  if (Object.hasOwn(zendeskUserAttributes, target)) return null;
  if (target.startsWith(USER_FIELDS_PREFIX)) {
    const key = target.slice(USER_FIELDS_PREFIX.length);
    if (userFields === null || userFields.some((field) => field.key === key)) return null;
    const known = userFields.map((field) => `"${field.key}"`).join(', ');
    return `the Zendesk account has no custom user field with the key "${key}"${known === '' ? ' (it has none)' : `; its keys are ${known}`}: create the field in Zendesk (Admin Center → People → Configuration → User fields) or fix the key`;
  }
  const lower = target.toLowerCase();
  const spelled = Object.keys(zendeskUserAttributes).find((name) => name === lower);
  return spelled !== undefined
    ? `"${target}" is not a Zendesk user attribute: did you mean "${spelled}"? (names are exact)`
    : `"${target}" is not a Zendesk user attribute: map one of the attributes the schema's "Zendesk" directory lists, or "user_fields.<key>" for a custom user field`;
}
