/**
 * The frame around every signed-in page: the header (product, the signed-in user and role, "Sign
 * out") and the navigation. Below 720 px the navigation sits above the page instead of beside it.
 */
import { Badge, Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { SignOutRegular } from '@fluentui/react-icons';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useSession } from '../auth/session';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', minHeight: '100vh' },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: '12px',
    padding: '8px 16px',
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
    flexWrap: 'wrap',
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, marginRight: 'auto' },
  user: { display: 'flex', alignItems: 'center', gap: '8px' },
  body: {
    display: 'flex',
    flex: 1,
    '@media (max-width: 720px)': { flexDirection: 'column' },
  },
  nav: {
    display: 'flex',
    flexDirection: 'column',
    gap: '2px',
    padding: '12px 8px',
    minWidth: '200px',
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
    '@media (max-width: 720px)': {
      flexDirection: 'row',
      flexWrap: 'wrap',
      minWidth: 'auto',
      borderRight: 'none',
      borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    },
  },
  link: {
    padding: '8px 12px',
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground1,
    textDecoration: 'none',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  active: { backgroundColor: tokens.colorNeutralBackground1Selected, fontWeight: tokens.fontWeightSemibold },
  main: { flex: 1, minWidth: 0, padding: '16px 24px', '@media (max-width: 720px)': { padding: '12px' } },
});

export function Shell() {
  const styles = useStyles();
  const { session, signOut, can } = useSession();
  const navigate = useNavigate();
  const link = ({ isActive }: { isActive: boolean }) =>
    isActive ? `${styles.link} ${styles.active}` : styles.link;
  return (
    <div className={styles.root}>
      <header className={styles.header}>
        <Text className={styles.brand}>provisio</Text>
        {session !== null && (
          <section className={styles.user} aria-label="Signed in user">
            <Text data-testid="signed-in-user">{session.user.name}</Text>
            <Badge appearance="tint" color="informative" data-testid="signed-in-role">
              {session.user.role}
            </Badge>
            <Button
              appearance="primary"
              icon={<SignOutRegular />}
              onClick={async () => {
                await signOut();
                navigate('/signin');
              }}
            >
              Sign out
            </Button>
          </section>
        )}
      </header>
      <div className={styles.body}>
        <nav className={styles.nav} aria-label="Console">
          <NavLink to="/" end className={link}>
            Applications
          </NavLink>
          <NavLink to="/logs" className={link}>
            Provisioning logs
          </NavLink>
          <NavLink to="/audit" className={link}>
            Audit logs
          </NavLink>
          {can('Administrator') && (
            <NavLink to="/access" className={link}>
              Access
            </NavLink>
          )}
        </nav>
        <main className={styles.main}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
