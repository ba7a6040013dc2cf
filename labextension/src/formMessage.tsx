import React from 'react';

/** What a form's last action did: a success as a status, a failure as an alert. */
export interface IFormMessage {
  text: string;
  failed: boolean;
}

/** The outcome line under a form's button (nothing before the first action). */
export function FormMessage(props: {
  message: IFormMessage | null;
}): JSX.Element | null {
  const { message } = props;
  if (!message) {
    return null;
  }
  return (
    <div
      className={`jp-mlops-LaunchMessage${message.failed ? ' jp-mod-error' : ''}`}
      role={message.failed ? 'alert' : 'status'}
    >
      {message.text}
    </div>
  );
}
