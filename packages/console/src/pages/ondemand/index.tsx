import { PageTitle } from '../../components/PageTitle';

/** Provision on demand (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Provision on demand</PageTitle>;
}
