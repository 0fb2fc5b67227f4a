import { PageTitle } from '../../components/PageTitle';

/** Overview (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Overview</PageTitle>;
}
