/**
 * Access (Administrators): API tokens and local accounts with their roles. Others are told that the
 * page needs the Administrator role; the API refuses them anyway. docs/console.md#access
 */
import { Divider, MessageBar, MessageBarBody, MessageBarTitle, makeStyles } from '@fluentui/react-components';
import { useSession } from '../../auth/session';
import { PageTitle } from '../../components/PageTitle';
import { AccountsSection } from './AccountsSection';
import { TokensSection } from './TokensSection';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: '16px' },
});

export default function AccessPage() {
  const styles = useStyles();
  const { session, can } = useSession();
  if (!can('Administrator'))
    return (
      <>
        <PageTitle level={1}>Access</PageTitle>
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>This page needs the Administrator role</MessageBarTitle>
            You are signed in as {session?.user.name ?? 'someone'} with the role{' '}
            {session?.user.role ?? 'none'}. An Administrator manages API tokens and local accounts.
          </MessageBarBody>
        </MessageBar>
      </>
    );
  return (
    <div className={styles.page}>
      <PageTitle level={1}>Access</PageTitle>
      <TokensSection />
      <Divider />
      <AccountsSection />
    </div>
  );
}
