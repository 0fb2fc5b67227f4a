/**
 * The provisioning log entry, in Microsoft Graph's `provisioningObjectSummary` shape (v1.0,
 * https://learn.microsoft.com/graph/api/resources/provisioningobjectsummary) so that anything that
 * reads Entra's logs reads ours. One entry per object per cycle.
 */

export type ProvisioningAction = 'create' | 'update' | 'delete' | 'stagedDelete' | 'disable' | 'other';
export type ProvisioningStatus = 'success' | 'warning' | 'failure' | 'skipped';
export type ProvisioningStepType =
  | 'import'
  | 'scoping'
  | 'matching'
  | 'processing'
  | 'referenceResolution'
  | 'export';

export interface ProvisioningStep {
  readonly name: string;
  readonly provisioningStepType: ProvisioningStepType;
  readonly status: ProvisioningStatus;
  readonly description: string;
  /** Flat key → text pairs, as Graph's `details`. */
  readonly details: Readonly<Record<string, string>>;
}

export interface ModifiedProperty {
  readonly displayName: string;
  readonly oldValue: string | null;
  readonly newValue: string | null;
}

export interface IdentityRef {
  readonly id: string;
  readonly displayName: string;
  readonly identityType: string;
  readonly details: Readonly<Record<string, string>> | null;
}

export interface SystemRef {
  readonly id: string;
  readonly displayName: string;
  readonly details: Readonly<Record<string, string>>;
}

export interface ErrorInformation {
  readonly errorCode: string;
  readonly reason: string;
  readonly additionalDetails: string | null;
  readonly errorCategory: 'nonServiceFailure' | 'transientFailure' | 'serviceFailure';
  readonly recommendedAction: string | null;
}

export interface ProvisioningObjectSummary {
  readonly id: string;
  readonly activityDateTime: string;
  readonly tenantId: string;
  readonly jobId: string;
  readonly cycleId: string;
  readonly changeId: string;
  readonly provisioningAction: ProvisioningAction;
  readonly durationInMilliseconds: number;
  readonly initiatedBy: {
    readonly id: string;
    readonly displayName: string;
    readonly initiatorType: 'system' | 'user';
  };
  readonly modifiedProperties: readonly ModifiedProperty[];
  readonly provisioningSteps: readonly ProvisioningStep[];
  readonly servicePrincipal: { readonly id: string; readonly displayName: string };
  readonly sourceIdentity: IdentityRef;
  readonly targetIdentity: IdentityRef;
  readonly sourceSystem: SystemRef;
  readonly targetSystem: SystemRef;
  readonly provisioningStatusInfo: {
    readonly status: ProvisioningStatus;
    readonly errorInformation: ErrorInformation | null;
  };
}
