/**
 * "Download": the entries matching the page's filters, as Entra's three CSV files or as Graph's
 * JSON, written by the API (`GET /provisio/v1/auditLogs/provisioning/export`, docs/api.md) and
 * fetched as plain links: the session cookie authenticates them and the browser saves each file.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  Link,
  makeStyles,
  Radio,
  RadioGroup,
  Text,
} from '@fluentui/react-components';
import { ArrowDownloadRegular } from '@fluentui/react-icons';
import { useRef, useState } from 'react';
import type { paths } from '../../api/schema';

type ExportQuery = NonNullable<
  paths['/provisio/v1/auditLogs/provisioning/export']['get']['parameters']['query']
>;

const EXPORT_PATH = '/provisio/v1/auditLogs/provisioning/export' satisfies keyof paths;

/** The most entries one download holds (the API's limit). */
export const MAX_DOWNLOAD = 50_000;

/** The export route's URL for these parameters. */
export function exportHref(query: ExportQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  return `${EXPORT_PATH}?${params.toString()}`;
}

const csvFiles = [
  { file: 'summary', name: 'ProvisioningLogs.csv' },
  { file: 'steps', name: 'ProvisioningLogs_ProvisioningSteps.csv' },
  { file: 'modifiedProperties', name: 'ProvisioningLogs_ModifiedProperties.csv' },
] as const;

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: '12px' },
  files: { margin: 0, paddingLeft: '20px', display: 'flex', flexDirection: 'column', gap: '4px' },
});

export function DownloadDialog({ filter }: { filter: string | undefined }) {
  const styles = useStyles();
  const [format, setFormat] = useState<'csv' | 'json'>('csv');
  const links = useRef<(HTMLAnchorElement | null)[]>([]);
  const base = filter === undefined ? {} : { $filter: filter };
  const jsonHref = exportHref({ format: 'json', ...base });
  const [open, setOpen] = useState(false);
  const [opened, setOpened] = useState(false);
  const download = () => {
    if (format === 'json') links.current[3]?.click();
    else for (const link of links.current.slice(0, 3)) link?.click();
  };
  const trigger = (
    <Button
      icon={<ArrowDownloadRegular />}
      onClick={() => {
        setOpen(true);
        setOpened(true);
      }}
    >
      Download
    </Button>
  );
  // Mounted from the first opening on: a mounted Fluent dialog, even closed, sets up Tabster's focus
  // trap, whose hidden focus guards axe reports (https://github.com/microsoft/tabster/issues/288);
  // once mounted it stays, so that closing runs the dialog's own close (which gives the page back
  // to assistive technology) rather than unmounting it while open.
  if (!opened) return trigger;
  return (
    <>
      {trigger}
      <Dialog open={open} onOpenChange={(_event, data) => setOpen(data.open)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Download</DialogTitle>
            <DialogContent className={styles.body}>
              <Text>
                The entries matching the current filters, newest first (at most{' '}
                {MAX_DOWNLOAD.toLocaleString()}
                ).
              </Text>
              <Field label="Format">
                <RadioGroup
                  value={format}
                  onChange={(_event, data) => setFormat(data.value as 'csv' | 'json')}
                >
                  <Radio value="csv" label="CSV" />
                  <Radio value="json" label="JSON" />
                </RadioGroup>
              </Field>
              {format === 'csv' ? (
                <>
                  <Text>Three files, joined by their Change ID column:</Text>
                  <ul className={styles.files}>
                    {csvFiles.map(({ file, name }, index) => (
                      <li key={file}>
                        <Link
                          href={exportHref({ format: 'csv', file, ...base })}
                          download={name}
                          ref={(element) => {
                            links.current[index] = element as HTMLAnchorElement | null;
                          }}
                        >
                          {name}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <ul className={styles.files}>
                  <li>
                    <Link
                      href={jsonHref}
                      download="ProvisioningLogs.json"
                      ref={(element) => {
                        links.current[3] = element as HTMLAnchorElement | null;
                      }}
                    >
                      ProvisioningLogs.json
                    </Link>
                  </li>
                </ul>
              )}
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" icon={<ArrowDownloadRegular />} onClick={download}>
                Download
              </Button>
              <DialogTrigger disableButtonEnhancement>
                <Button>Close</Button>
              </DialogTrigger>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
