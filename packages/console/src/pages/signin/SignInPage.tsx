/**
 * Sign in: "Sign in with Microsoft" (OpenID Connect with the installation's Entra tenant, when
 * configured) and the local administrator's form. After signing in, the page asked for opens.
 */
import {
  Button,
  Card,
  Divider,
  Field,
  Input,
  makeStyles,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, call } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';

const useStyles = makeStyles({
  page: {
    minHeight: '100vh',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: '16px',
    backgroundColor: tokens.colorNeutralBackground2,
  },
  card: { width: '100%', maxWidth: '400px', padding: '24px' },
  form: { display: 'flex', flexDirection: 'column', gap: '12px' },
});

/** Only a path on this server (never another origin). */
function safeReturnTo(value: string | null): string {
  return value !== null && /^\/(?![/\\])/.test(value) && !value.startsWith('/signin') ? value : '/';
}

export function SignInPage() {
  const styles = useStyles();
  const { session, signIn, loading } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returnTo = safeReturnTo(params.get('returnTo'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const methods = useQuery({
    queryKey: ['sign-in-methods'],
    queryFn: () => call(api.GET('/provisio/v1/auth/methods')),
  });

  if (loading) return <Spinner label="Loading…" />;
  if (session !== null) return <Navigate to={returnTo} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
      navigate(returnTo, { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className={styles.page}>
      <Card className={styles.card}>
        <Text as="h1" size={600} weight="semibold">
          Sign in to provisio
        </Text>
        {methods.data?.microsoft === true && (
          <>
            <Button
              appearance="primary"
              size="large"
              onClick={() => {
                window.location.assign(
                  `/provisio/v1/auth/oidc/signin?returnTo=${encodeURIComponent(returnTo)}`,
                );
              }}
            >
              Sign in with Microsoft
            </Button>
            <Divider>or, as a local administrator</Divider>
          </>
        )}
        <form className={styles.form} onSubmit={submit} aria-label="Local administrator">
          <Field label="Username" required>
            <Input
              value={username}
              onChange={(_e, data) => setUsername(data.value)}
              autoComplete="username"
            />
          </Field>
          <Field label="Password" required>
            <Input
              type="password"
              value={password}
              onChange={(_e, data) => setPassword(data.value)}
              autoComplete="current-password"
            />
          </Field>
          {error !== null && <ErrorMessage error={error} title="Sign-in failed" />}
          <Button
            type="submit"
            appearance={methods.data?.microsoft === true ? 'secondary' : 'primary'}
            disabled={busy}
          >
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </Card>
    </main>
  );
}
