import { PageTitle } from '../../components/PageTitle';

/** Audit logs (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Audit logs</PageTitle>;
}
