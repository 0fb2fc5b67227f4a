import { PageTitle } from '../../components/PageTitle';

/** Access (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Access</PageTitle>;
}
