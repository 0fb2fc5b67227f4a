/**
 * Every page of the console and its path. Pages are loaded when first opened, so the first load
 * carries only the shell and the sign-in page (docs/console.md#size).
 */
import { Spinner } from '@fluentui/react-components';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from '../auth/session';
import { SignInPage } from '../pages/signin/SignInPage';
import { JobLayout } from './JobLayout';
import { Shell } from './Shell';

const ApplicationsPage = lazy(() => import('../pages/applications'));
const OverviewPage = lazy(() => import('../pages/overview'));
const SingleSignOnPage = lazy(() => import('../pages/sso'));
const ProvisioningPage = lazy(() => import('../pages/provisioning'));
const MappingPage = lazy(() => import('../pages/mappings'));
const OnDemandPage = lazy(() => import('../pages/ondemand'));
const ProvisioningLogsPage = lazy(() => import('../pages/logs'));
const AuditLogsPage = lazy(() => import('../pages/audit'));
const AccessPage = lazy(() => import('../pages/access'));

export const paths = {
  applications: () => '/',
  job: (spId: string, jobId: string) =>
    `/applications/${encodeURIComponent(spId)}/jobs/${encodeURIComponent(jobId)}`,
  overview: (spId: string, jobId: string) => `${paths.job(spId, jobId)}/overview`,
  singleSignOn: (spId: string, jobId: string) => `${paths.job(spId, jobId)}/single-sign-on`,
  provisioning: (spId: string, jobId: string) => `${paths.job(spId, jobId)}/provisioning`,
  mapping: (spId: string, jobId: string, object: 'users' | 'groups') =>
    `${paths.job(spId, jobId)}/provisioning/mappings/${object}`,
  onDemand: (spId: string, jobId: string) => `${paths.job(spId, jobId)}/on-demand`,
  jobLogs: (spId: string, jobId: string) => `${paths.job(spId, jobId)}/logs`,
  jobAudit: (spId: string, jobId: string) => `${paths.job(spId, jobId)}/audit`,
  logs: () => '/logs',
  audit: () => '/audit',
  access: () => '/access',
} as const;

function Loading() {
  return <Spinner label="Loading…" style={{ padding: 32 }} />;
}

function RequireSession({ children }: { children: React.ReactNode }) {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (session === null)
    return (
      <Navigate to={`/signin?returnTo=${encodeURIComponent(location.pathname + location.search)}`} replace />
    );
  return <>{children}</>;
}

export function ConsoleRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/signin" element={<SignInPage />} />
        <Route
          element={
            <RequireSession>
              <Shell />
            </RequireSession>
          }
        >
          <Route index element={<ApplicationsPage />} />
          <Route path="applications/:spId/jobs/:jobId" element={<JobLayout />}>
            <Route index element={<Navigate to="overview" replace />} />
            <Route path="overview" element={<OverviewPage />} />
            <Route path="single-sign-on" element={<SingleSignOnPage />} />
            <Route path="provisioning" element={<ProvisioningPage />} />
            <Route path="provisioning/mappings/:object" element={<MappingPage />} />
            <Route path="on-demand" element={<OnDemandPage />} />
            <Route path="logs" element={<ProvisioningLogsPage />} />
            <Route path="audit" element={<AuditLogsPage />} />
          </Route>
          <Route path="logs" element={<ProvisioningLogsPage />} />
          <Route path="audit" element={<AuditLogsPage />} />
          <Route path="access" element={<AccessPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
