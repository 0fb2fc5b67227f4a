export { FaultSpecError, formatFaultSpec, noFaults, parseFaultSpec } from './common/faults.js';
export { createServerCertificate, type ServerCertificate } from './entra/identity/certificate.js';
export * from './entra/index.js';
export * from './zendesk/index.js';
