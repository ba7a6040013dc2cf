import React from 'react';

import { FormMessage, IFormMessage } from './formMessage';
import { describeError } from './observable';
import { createSchedule, formatSlot, previewCron } from './schedulesModel';
import { ICreateJob, IPreviewCron } from './tokens';

/** The browser's timezone, the default of a new schedule. */
function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * "Schedule": the launch form's job, fired at each slot of a cron
 * expression. The expression is read by the server as it is typed, and
 * shown in words with its next five slots.
 */
export function ScheduleForm(props: {
  /** The job the launch form describes, or null when it is not valid. */
  prepare: () => Promise<ICreateJob | null>;
  onScheduled: (name: string) => void;
}): JSX.Element {
  const [cron, setCron] = React.useState('0 6 * * 1-5');
  const [timezone, setTimezone] = React.useState(localZone);
  const [name, setName] = React.useState('');
  const [preview, setPreview] = React.useState<IPreviewCron | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  const [message, setMessage] = React.useState<IFormMessage | null>(null);
  const [busy, setBusy] = React.useState(false);

  React.useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      previewCron(cron, timezone)
        .then(body => {
          if (current) {
            setPreview(body);
            setProblem(null);
          }
        })
        .catch(reason => {
          if (current) {
            setPreview(null);
            setProblem(describeError(reason));
          }
        });
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [cron, timezone]);

  const submit = async (): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      const request = await props.prepare();
      if (request === null) {
        return;
      }
      const created = await createSchedule(request, { cron, timezone, name });
      setMessage({ text: `Schedule ${created.name} created.`, failed: false });
      props.onScheduled(created.name);
    } catch (reason) {
      setMessage({ text: describeError(reason), failed: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="jp-mlops-ScheduleForm">
      <summary>Schedule with these parameters</summary>
      <TextField name="cron" label="Cron" value={cron} onChange={setCron} />
      <TextField
        name="timezone"
        label="Timezone"
        value={timezone}
        onChange={setTimezone}
      />
      <TextField
        name="schedule-name"
        label="Name"
        placeholder="the notebook's name"
        value={name}
        onChange={setName}
      />
      {problem ? (
        <div className="jp-mlops-FieldError jp-mlops-CronProblem" role="alert">
          {problem}
        </div>
      ) : (
        preview && (
          <div className="jp-mlops-CronPreview" role="status">
            <div className="jp-mlops-CronWords">{preview.description}</div>
            <ol className="jp-mlops-ScheduleNextList">
              {preview.next.map(slot => (
                <li key={slot} title={slot}>
                  {formatSlot(slot)}
                </li>
              ))}
            </ol>
          </div>
        )
      )}
      <button
        type="button"
        className="jp-mlops-CreateSchedule jp-Button jp-mod-styled jp-mod-accept"
        disabled={busy || problem !== null}
        onClick={() => void submit()}
      >
        {busy ? 'Creating…' : 'Create schedule'}
      </button>
      <FormMessage message={message} />
    </details>
  );
}

function TextField(props: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
}): JSX.Element {
  const id = `jp-mlops-schedule-${props.name}`;
  return (
    <div className="jp-mlops-Param">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className="jp-mlops-Input"
        name={props.name}
        placeholder={props.placeholder}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      />
    </div>
  );
}
