import { PageTitle } from '../../components/PageTitle';

/** Provisioning logs (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Provisioning logs</PageTitle>;
}
