import { PageTitle } from '../../components/PageTitle';

/** Applications (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Applications</PageTitle>;
}
