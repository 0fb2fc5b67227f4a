export { FaultSpecError, formatFaultSpec, noFaults, parseFaultSpec } from './common/faults.js';
export * from './zendesk/index.js';
