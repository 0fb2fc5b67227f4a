import type { Row } from './table.js';

export interface UserRecord extends Row {
  readonly kind: 'user';
  accountEnabled: boolean;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  preferredLanguage: string | null;
  employeeId: string | null;
  companyName: string | null;
  usageLocation: string | null;
  businessPhones: string[];
  otherMails: string[];
  userType: string;
  readonly createdDateTime: string;
  deletedDateTime: string | null;
  /** The sign-in password (authorization-code flow); never rendered. */
  password: string | null;
  /** The user's manager (a user id), or null; served as `/users/{id}/manager`, never rendered inline. */
  managerId: string | null;
}

export interface GroupRecord extends Row {
  readonly kind: 'group';
  displayName: string;
  description: string | null;
  mailEnabled: boolean;
  mailNickname: string;
  securityEnabled: boolean;
  groupTypes: string[];
  mail: string | null;
  visibility: string | null;
  readonly createdDateTime: string;
  deletedDateTime: string | null;
}

export interface AppRole {
  id: string;
  allowedMemberTypes: string[];
  description: string;
  displayName: string;
  isEnabled: boolean;
  origin: string;
  value: string | null;
}

export interface ApplicationRecord extends Row {
  readonly kind: 'application';
  readonly appId: string;
  displayName: string;
  description: string | null;
  appRoles: AppRole[];
  /** Ids of the service principals (or users) that own the application (Application.ReadWrite.OwnedBy). */
  ownerIds: string[];
  redirectUris: string[];
  identifierUris: string[];
  signInAudience: string;
  /** Client secrets; never rendered (Graph only shows hints of them). */
  secrets: string[];
  readonly createdDateTime: string;
  deletedDateTime: string | null;
}

export interface ServicePrincipalRecord extends Row {
  readonly kind: 'servicePrincipal';
  readonly appId: string;
  displayName: string;
  appDisplayName: string;
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  servicePrincipalType: string;
  tags: string[];
  /** App roles of a service principal without an application in the tenant (Microsoft Graph's). */
  ownAppRoles: AppRole[] | null;
  readonly createdDateTime: string;
  deletedDateTime: string | null;
}

export interface AppRoleAssignmentRecord extends Row {
  readonly kind: 'appRoleAssignment';
  readonly appRoleId: string;
  readonly principalId: string;
  readonly principalType: 'User' | 'Group' | 'ServicePrincipal';
  readonly resourceId: string;
  readonly createdDateTime: string;
}

export type DirectoryObject = UserRecord | GroupRecord | ApplicationRecord | ServicePrincipalRecord;
