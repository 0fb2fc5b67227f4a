import { PageTitle } from '../../components/PageTitle';

/** Attribute Mapping (to be built: issue 12). */
export default function Page() {
  return <PageTitle>Attribute Mapping</PageTitle>;
}
