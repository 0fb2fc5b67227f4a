export { FaultSpecError, formatFaultSpec, noFaults, parseFaultSpec } from './common/faults.js';
export * from './entra/index.js';
export * from './zendesk/index.js';
