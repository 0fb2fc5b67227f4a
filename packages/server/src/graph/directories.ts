/**
 * The `directories` section of a job's synchronization schema: Graph's `directoryDefinition`
 * (https://learn.microsoft.com/graph/api/resources/synchronization-directorydefinition) for both
 * sides. The Zendesk directory lists what a mapping may target: the user attributes the Zendesk
 * connector writes (docs/mappings.md#zendesk-attributes), the account's custom user fields as
 * `user_fields.<key>` (discovered from the account when the job is configured), and the group
 * attributes. The Entra directory lists the attributes the job reads: the ones provisio computes
 * and the Graph properties its mappings and scoping filters name.
 */
import {
  type TargetAttributeSpec,
  type TargetUserField,
  targetAttributeProblem,
  USER_FIELDS_PREFIX,
  zendeskGroupAttributes,
  zendeskUserAttributes,
} from '@provisio/engine';

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

export { USER_FIELDS_PREFIX, zendeskGroupAttributes, zendeskUserAttributes };

type AttributeSpec = Omit<TargetAttributeSpec, 'type'> & { readonly type?: GraphAttributeType };

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

/** Why a mapping target is not a Zendesk attribute (the engine's check, docs/mappings.md#zendesk-attributes). */
export { targetAttributeProblem };
