import { PageTitle } from '../../components/PageTitle';

/** Provisioning (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Provisioning</PageTitle>;
}
