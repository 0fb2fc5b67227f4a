/**
 * Single sign-on, as the Entra admin center's enterprise application blade has it above
 * Provisioning: provisio's JWT single sign-on bridge to Zendesk for this job
 * (GET|PATCH /provisio/v1/jobs/{jobId}/singleSignOn, docs/console.md#single-sign-on). The switch
 * and the write-only shared secret with Save / Discard; the URLs to paste into Zendesk Admin Center
 * and the job's Entra app registration, each with Copy; what stops sign-in and what the Zendesk
 * account's sign-on configurations say, with Check again; and a link to try it.
 * Zendesk's steps: https://support.zendesk.com/hc/en-us/articles/4408845838874 (JWT single sign-on).
 */
import {
  Button,
  Divider,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowClockwise20Regular,
  ArrowUndo20Regular,
  Checkmark20Regular,
  Copy20Regular,
  Open20Regular,
  Save20Regular,
} from '@fluentui/react-icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactElement, type ReactNode, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiProblem, api, call } from '../../api/client';
import { useJob } from '../../app/JobLayout';
import { paths } from '../../app/routes';
import { useCan } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { ScrollArea } from '../../components/ScrollArea';
import {
  changesOf,
  formOf,
  placeProblems,
  protocolLabel,
  type SingleSignOn,
  type SingleSignOnUpdate,
  type SsoForm,
  secretLabel,
  type ZendeskCheck,
  zendeskStatusView,
} from './model';

const useStyles = makeStyles({
  page: { maxWidth: '1040px' },
  commandBar: {
    display: 'flex',
    gap: '8px',
    flexWrap: 'wrap',
    padding: '8px 0',
    marginBottom: '8px',
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    position: 'sticky',
    top: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  section: { display: 'grid', gap: '12px', margin: '16px 0 24px', minWidth: 0 },
  heading: { margin: '0' },
  muted: { color: tokens.colorNeutralForeground3 },
  row: { display: 'flex', gap: '12px', alignItems: 'center', flexWrap: 'wrap' },
  url: { fontFamily: tokens.fontFamilyMonospace, minWidth: 0 },
  problems: { margin: '4px 0 0', paddingLeft: '20px' },
  table: { minWidth: '860px' },
  wrap: { overflowWrap: 'anywhere' },
  status: { display: 'grid', gap: '12px', minWidth: 0 },
});

function Section({ title, children }: { title: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <section className={styles.section}>
      <Text as="h3" size={400} weight="semibold" className={styles.heading}>
        {title}
      </Text>
      {children}
    </section>
  );
}

/** A value to paste elsewhere: read-only, selected on focus, with Copy. */
function CopyField({ label, value, hint }: { label: string; value: string; hint: string | ReactElement }) {
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  return (
    <Field label={label} hint={hint}>
      <Input
        readOnly
        value={value}
        className={styles.url}
        onFocus={(event) => event.currentTarget.select()}
        contentAfter={
          <Button
            size="small"
            appearance="subtle"
            icon={copied ? <Checkmark20Regular /> : <Copy20Regular />}
            aria-label={`${copied ? 'Copied' : 'Copy'} ${label}`}
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(value);
                setCopied(true);
              } catch {
                // No clipboard (an insecure origin, or refused): the field stays selectable.
                setCopied(false);
              }
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        }
      />
    </Field>
  );
}

const yesNo = (value: boolean) => (value ? 'Yes' : 'No');

function ZendeskStatus({ check }: { check: ZendeskCheck }) {
  const styles = useStyles();
  const view = zendeskStatusView[check.status];
  return (
    <>
      <MessageBar
        intent={view.intent}
        layout="multiline"
        data-testid="zendesk-status"
        data-status={check.status}
        data-intent={view.intent}
      >
        <MessageBarBody>
          <MessageBarTitle>{view.title}</MessageBarTitle>
          <div className={styles.wrap}>{check.message}</div>
        </MessageBarBody>
      </MessageBar>
      {check.configurations.length > 0 ? (
        <ScrollArea label="Zendesk sign-on configurations">
          <Table size="small" className={styles.table} aria-label="Zendesk sign-on configurations">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Protocol</TableHeaderCell>
                <TableHeaderCell>Active</TableHeaderCell>
                <TableHeaderCell>Team members</TableHeaderCell>
                <TableHeaderCell>End users</TableHeaderCell>
                <TableHeaderCell>Remote login URL</TableHeaderCell>
                <TableHeaderCell>Points here</TableHeaderCell>
                <TableHeaderCell>Secret Zendesk holds</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {check.configurations.map((c) => (
                <TableRow key={c.name} data-testid="sign-on-configuration">
                  <TableCell>{c.name}</TableCell>
                  <TableCell>{protocolLabel(c.protocol)}</TableCell>
                  <TableCell>{yesNo(c.active)}</TableCell>
                  <TableCell>{yesNo(c.teamMembers)}</TableCell>
                  <TableCell>{yesNo(c.endUsers)}</TableCell>
                  <TableCell className={styles.wrap}>{c.remoteLoginUrl ?? '—'}</TableCell>
                  <TableCell>{yesNo(c.pointsHere)}</TableCell>
                  <TableCell>{secretLabel(c.secret)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollArea>
      ) : (
        check.status !== 'unavailable' && (
          <Text className={styles.muted}>The Zendesk account has no single sign-on configuration.</Text>
        )
      )}
    </>
  );
}

const ssoQueryKey = (jobId: string) => ['singleSignOn', jobId] as const;

export default function SingleSignOnPage() {
  const styles = useStyles();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const { spId, jobId } = useJob();
  const canConfigure = useCan('Administrator');

  // Every read asks Zendesk afresh (the server does not cache it for this route): read on opening
  // the page and on Check again, not on a timer.
  const query = useQuery({
    queryKey: ssoQueryKey(jobId),
    queryFn: () => call(api.GET('/provisio/v1/jobs/{jobId}/singleSignOn', { params: { path: { jobId } } })),
  });
  const [draft, setDraft] = useState<SsoForm | null>(null);
  const [savedMessage, setSavedMessage] = useState<string | null>(null);
  const save = useMutation<SingleSignOn, unknown, SingleSignOnUpdate>({
    mutationFn: (body) =>
      call(api.PATCH('/provisio/v1/jobs/{jobId}/singleSignOn', { params: { path: { jobId } }, body })),
    onSuccess: (saved, body) => {
      queries.setQueryData(ssoQueryKey(jobId), saved);
      setDraft(null);
      setSavedMessage(
        [
          `Saved. Single sign-on through provisio is ${saved.enabled ? 'on' : 'off'}.`,
          body.sharedSecret !== undefined && saved.sharedSecret.hint !== null
            ? `The shared secret ${saved.sharedSecret.hint} is saved.`
            : null,
        ]
          .filter((line) => line !== null)
          .join(' '),
      );
    },
  });

  if (query.isPending) return <Spinner label="Loading single sign-on…" />;
  if (query.isError) return <ErrorMessage error={query.error} title="Single sign-on could not be read" />;

  const sso = query.data;
  const initial = formOf(sso);
  const form = draft ?? initial;
  const changes = changesOf(sso, form);
  const readOnly = !canConfigure;
  const refusal = save.error instanceof ApiProblem && save.error.status === 400 ? save.error : null;
  const placed = placeProblems(refusal?.details ?? []);
  const update = (change: Partial<SsoForm>) => {
    setDraft({ ...form, ...change });
    setSavedMessage(null);
  };
  const provisioning = paths.provisioning(spId, jobId);
  const secretHint = sso.sharedSecret.hint;

  return (
    <div className={styles.page}>
      <PageTitle>Single sign-on</PageTitle>
      <div className={styles.commandBar} role="toolbar" aria-label="Single sign-on commands">
        <Button
          appearance="primary"
          icon={<Save20Regular />}
          disabled={readOnly || changes === null || save.isPending}
          onClick={() => {
            if (changes === null) return;
            setSavedMessage(null);
            save.mutate(changes);
          }}
        >
          Save
        </Button>
        <Button
          icon={<ArrowUndo20Regular />}
          disabled={readOnly || (draft === null && save.error === null) || save.isPending}
          onClick={() => {
            setDraft(null);
            save.reset();
          }}
        >
          Discard
        </Button>
        {save.isPending && <Spinner size="tiny" label="Saving…" />}
      </div>
      {savedMessage !== null && (
        <MessageBar intent="success" layout="multiline" data-testid="saved-message">
          <MessageBarBody>{savedMessage}</MessageBarBody>
        </MessageBar>
      )}
      {save.isError &&
        (refusal === null ? (
          <ErrorMessage error={save.error} title="The changes were not saved" />
        ) : (
          <MessageBar intent="error" layout="multiline" role="alert">
            <MessageBarBody>
              <MessageBarTitle>The changes were not saved</MessageBarTitle>
              {refusal.message}
              {placed.other.length > 0 && (
                <ul className={styles.problems}>
                  {placed.other.map((message) => (
                    <li key={message}>{message}</li>
                  ))}
                </ul>
              )}
            </MessageBarBody>
          </MessageBar>
        ))}
      {readOnly && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            Only an Administrator can change single sign-on; you can read the settings and check Zendesk.
          </MessageBarBody>
        </MessageBar>
      )}
      <Text block className={styles.muted} style={{ marginTop: 8 }}>
        People who open Zendesk are sent to provisio, which signs them in with Microsoft Entra ID through this
        job's app registration and lets in only the users this job provisions (assigned and in scope; one not
        provisioned yet is provisioned on demand first), then hands them to Zendesk with a JSON Web Token
        signed with the shared secret.
      </Text>

      <Section title="Settings">
        <Field
          validationState={placed.fields.enabled === undefined ? 'none' : 'error'}
          validationMessage={placed.fields.enabled}
          hint="On: provisio signs people in for this job. Off: the remote login URL refuses, and people sign in with Zendesk's own page."
        >
          <Switch
            label="Single sign-on through provisio"
            checked={form.enabled}
            disabled={readOnly}
            onChange={(_event, data) => update({ enabled: data.checked })}
          />
        </Field>
        <Field
          label="Shared secret"
          validationState={placed.fields.sharedSecret === undefined ? 'none' : 'error'}
          validationMessage={placed.fields.sharedSecret}
          hint={
            secretHint === null
              ? 'The shared secret of the Zendesk JWT configuration (Admin Center → Account → Security → Single sign-on): copy it from there.'
              : `Saved: ${secretHint}. Leave empty to keep it; paste a new one after changing it in Zendesk.`
          }
        >
          <Input
            type="password"
            autoComplete="new-password"
            value={form.sharedSecret}
            placeholder={secretHint === null ? undefined : `Saved: ${secretHint}`}
            disabled={readOnly}
            onChange={(_event, data) => update({ sharedSecret: data.value })}
          />
        </Field>
        {sso.previousSharedSecret.saved && (
          <Text data-testid="previous-secret">
            Previous shared secret: {sso.previousSharedSecret.hint} is kept while Zendesk may still use it
            (rotation): provisio signs with whichever of the two the Zendesk configuration holds.
          </Text>
        )}
      </Section>

      <Divider />
      <Section title="Set up Zendesk">
        <Text>
          In Zendesk Admin Center → Account → Security → Single sign-on, choose Create SSO configuration →
          JSON Web Token. Then copy its Shared secret into Shared secret above, and choose the configuration
          for team members or end users (Admin Center → Account → Security → Team member authentication or End
          user authentication → External authentication).
        </Text>
        <CopyField
          label="Remote login URL"
          value={sso.remoteLoginUrl}
          hint="Paste it into the JWT configuration's Remote login URL: Zendesk sends people here to sign in."
        />
        <CopyField
          label="Remote logout URL"
          value={sso.remoteLogoutUrl}
          hint="Paste it into the JWT configuration's Remote logout URL: Zendesk sends people here after they sign out."
        />
      </Section>

      <Divider />
      <Section title="Set up Entra ID">
        <CopyField
          label="Redirect URI"
          value={sso.redirectUri}
          hint={
            <>
              Add it to the job's app registration (its Client ID is on{' '}
              <Link
                href={provisioning}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(provisioning);
                }}
              >
                Provisioning
              </Link>
              ): Microsoft Entra admin center → App registrations → the app → Authentication → Web → Redirect
              URIs.
            </>
          }
        />
      </Section>

      <Divider />
      <Section title="Status">
        <div aria-live="polite" className={styles.status}>
          {sso.problems.length > 0 ? (
            <MessageBar intent="warning" layout="multiline" data-testid="sso-problems">
              <MessageBarBody>
                <MessageBarTitle>Nobody can sign in through provisio yet</MessageBarTitle>
                <ul className={styles.problems}>
                  {sso.problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              </MessageBarBody>
            </MessageBar>
          ) : (
            <MessageBar intent="success" layout="multiline" data-testid="sso-ready">
              <MessageBarBody>Single sign-on through provisio is on, with a shared secret.</MessageBarBody>
            </MessageBar>
          )}
          {sso.zendesk === null ? (
            <Text className={styles.muted}>
              Zendesk is checked once the job is configured (Provisioning → Admin Credentials).
            </Text>
          ) : (
            <ZendeskStatus check={sso.zendesk} />
          )}
        </div>
        <div className={styles.row}>
          <Button
            icon={<ArrowClockwise20Regular />}
            disabled={query.isFetching}
            onClick={() => void query.refetch()}
          >
            Check again
          </Button>
          {query.isFetching ? (
            <Spinner size="tiny" label="Checking Zendesk…" />
          ) : (
            <Text size={200} className={styles.muted}>
              Checked at {new Date(query.dataUpdatedAt).toLocaleTimeString()}
            </Text>
          )}
        </div>
      </Section>

      {sso.zendeskUrl !== null && (
        <>
          <Divider />
          <Section title="Test sign-in">
            <Text>
              Open Zendesk in a private window and sign in as a user assigned to the application: Zendesk
              sends you here, Microsoft signs you in, and Zendesk opens signed in.
            </Text>
            <div>
              <Link href={`${sso.zendeskUrl}/agent`} target="_blank" rel="noopener noreferrer">
                <Open20Regular style={{ verticalAlign: 'middle', marginRight: 4 }} aria-hidden />
                Sign in to {sso.zendeskUrl}/agent (opens in a new tab)
              </Link>
            </div>
          </Section>
        </>
      )}
    </div>
  );
}
