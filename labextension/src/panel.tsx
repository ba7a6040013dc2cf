import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React from 'react';

import { JobWatch } from './jobWatch';
import { JobsModel } from './jobsModel';
import { JobsView } from './jobsView';
import { ModelsModel } from './modelsModel';
import { ModelsView } from './modelsView';
import { INotebookHandle } from './notebookHandle';
import { NotebookView } from './notebookView';
import { SchedulesModel } from './schedulesModel';
import { SchedulesView } from './schedulesView';
import { ServerConfigModel } from './serverConfig';
import { IDescribeJob } from './tokens';

/** The sidebar's tabs. */
export type SidebarTab = 'notebook' | 'jobs' | 'schedules' | 'models';

const TABS: Array<[SidebarTab, string]> = [
  ['notebook', 'This notebook'],
  ['jobs', 'Jobs'],
  ['schedules', 'Schedules'],
  ['models', 'Models']
];

/**
 * The MLOps sidebar: "This notebook", "Jobs", "Schedules" and "Models".
 *
 * Nothing is fetched until the panel is first shown, so JupyterLab starts
 * without waiting on the tracking server; jobs are polled only while the
 * Jobs tab is visible. The server's job configuration is read once, on the
 * first show, and decides which job actions are offered.
 */
export class MlopsSidebar extends ReactWidget {
  constructor(options: {
    openFile: (path: string) => void;
    /** Told once how each job launched from this sidebar ended. */
    jobEnded?: (job: IDescribeJob) => void;
  }) {
    super();
    this._openFile = options.openFile;
    this.watch = new JobWatch(options.jobEnded ?? (() => undefined));
    this.addClass('jp-mlops-Panel');
    this.jobs.subscribe(() => this.update());
    this.models.subscribe(() => this.update());
    this.schedules.subscribe(() => this.update());
    this.config.subscribe(() => this.update());
  }

  readonly jobs = new JobsModel();
  readonly models = new ModelsModel();
  readonly schedules = new SchedulesModel();
  readonly watch: JobWatch;
  readonly config = new ServerConfigModel();

  get tab(): SidebarTab {
    return this._tab;
  }

  /** Show a tab (and load what it lists). */
  showTab(tab: SidebarTab): void {
    this._tab = tab;
    this._sync();
    this.update();
  }

  /** The notebook "This notebook" follows, or null when none is active. */
  setNotebook(notebook: INotebookHandle | null): void {
    if (notebook?.path === this._notebook?.path && notebook !== null) {
      return;
    }
    this._notebook = notebook;
    this.update();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._sync();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.jobs.stop();
  }

  protected onBeforeDetach(msg: Message): void {
    this.jobs.stop();
    this.watch.dispose();
    super.onBeforeDetach(msg);
  }

  protected render(): JSX.Element {
    return (
      <div className="jp-mlops-Sidebar">
        <header className="jp-mlops-Header">MLOps</header>
        <div className="jp-mlops-Tabs" role="tablist">
          {TABS.map(([tab, label]) => (
            <button
              key={tab}
              type="button"
              role="tab"
              aria-selected={this._tab === tab}
              className={`jp-mlops-Tab${this._tab === tab ? ' jp-mod-current' : ''}`}
              data-tab={tab}
              onClick={() => this.showTab(tab)}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="jp-mlops-TabBody">{this._body()}</div>
      </div>
    );
  }

  private _body(): JSX.Element {
    switch (this._tab) {
      case 'notebook':
        return (
          <NotebookView
            notebook={this._notebook}
            config={this.config}
            onLaunched={runId => {
              this.watch.watch(runId);
              this.showTab('jobs');
            }}
            onScheduled={() => this.showTab('schedules')}
          />
        );
      case 'jobs':
        return (
          <JobsView
            jobs={this.jobs}
            config={this.config}
            onOpen={this._openFile}
          />
        );
      case 'schedules':
        return (
          <SchedulesView
            schedules={this.schedules}
            onOpenRun={runId => void this.openRun(runId)}
            onFired={runId => this.watch.watch(runId)}
          />
        );
      default:
        return <ModelsView models={this.models} />;
    }
  }

  private _sync(): void {
    if (!this.isVisible) {
      return;
    }
    void this.config.load();
    if (this._tab === 'jobs') {
      this.jobs.start();
    } else {
      this.jobs.stop();
    }
    if (this._tab === 'models') {
      void this.models.refresh();
    }
    if (this._tab === 'schedules') {
      void this.schedules.refresh();
    }
  }

  /** Fetch a run's executed notebook under the server root and open it. */
  async openRun(runId: string): Promise<void> {
    const path = await this.schedules.fetchOutput(runId);
    if (path) {
      this._openFile(path);
    }
  }

  private _tab: SidebarTab = 'models';
  private _notebook: INotebookHandle | null = null;
  private _openFile: (path: string) => void;
}
