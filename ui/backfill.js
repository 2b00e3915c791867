// The "backfill" dialog of a job's page: a range (from, to, in local time) and an overlap policy;
// "Preview" asks the server for the fire times (a dry run: the same evaluator as the schedule's next
// times, so it lists what will run), then "Run backfill" asks for confirmation and starts them.
/* global document, window */
import { kairos } from './api.js';
import { dialogControls, h, localText } from './dom.js';

const OVERLAPS = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];
const runButton = document.getElementById('backfill-run');

let handlers = null;

const { dialog, fields, close } = dialogControls('backfill', {
  onSubmit: () => void handlers?.preview(),
  onClose: () => {
    handlers = null;
  },
});

export const backfillDialogOpen = () => dialog.open;
runButton.addEventListener('click', () => void handlers?.run());

/** A `datetime-local` value (local wall time, to the minute) of a Date: dom.js's local time, in the input's format. */
const localInput = (d) => localText(d).slice(0, 16).replace(' ', 'T');

/** Opens the dialog for `job` (a GET /v1/jobs/{id} answer). */
export function openBackfillDialog(job, { onDone, onError }) {
  const now = new Date();
  const from = h('input', { type: 'datetime-local', name: 'from', required: true, value: localInput(new Date(now.getTime() - 24 * 3600_000)), 'aria-label': 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to', required: true, value: localInput(now), 'aria-label': 'to' });
  const overlap = h('select', { name: 'overlap', 'aria-label': 'overlap policy' }, OVERLAPS.map((o) => h('option', { value: o, selected: o === job.overlap }, o.replace('_', ' '))));
  const result = h('div', { class: 'backfill-times', 'aria-live': 'polite' });
  const failure = h('p', { class: 'error', role: 'alert' });
  document.getElementById('backfill-dialog-title').textContent = `Backfill ${job.name}`;
  fields.replaceChildren(
    h('label', {}, 'From ', from),
    h('label', {}, 'To ', to),
    h('label', {}, 'Overlap ', overlap),
    h('p', { class: 'muted' }, 'Runs the fire times of the range now, as the schedule would have. Preview lists them first.'),
    result,
    failure,
  );
  runButton.disabled = true;
  // What the last preview was for: "Run backfill" runs exactly that range.
  let previewed = null;
  const request = () => ({ from: new Date(from.value).toISOString(), to: new Date(to.value).toISOString(), overlap: overlap.value });
  for (const input of [from, to, overlap]) {
    input.addEventListener('change', () => {
      previewed = null;
      runButton.disabled = true;
    });
  }
  handlers = {
    async preview() {
      failure.textContent = '';
      try {
        const req = request();
        const out = await kairos.backfill(job.id, { ...req, dryRun: true });
        previewed = { ...req, count: out.count };
        result.replaceChildren(
          h('p', { dataset: { count: String(out.count) } }, `${out.count} fire time${out.count === 1 ? '' : 's'} in the range`),
          h('ol', {}, out.times.slice(0, 20).map((t) => h('li', {}, localText(t)))),
          out.count > 20 ? h('p', { class: 'muted' }, `… and ${out.count - 20} more`) : null,
        );
        runButton.disabled = out.count === 0;
      } catch (err) {
        result.replaceChildren();
        failure.textContent = err.message;
      }
    },
    async run() {
      if (!previewed) return;
      if (!window.confirm(`Run ${previewed.count} backfilled run${previewed.count === 1 ? '' : 's'} of ${job.name} now?`)) return;
      const { count: _count, ...req } = previewed;
      try {
        await kairos.backfill(job.id, req);
        close();
        onDone();
      } catch (err) {
        failure.textContent = err.message;
        onError(err);
      }
    },
  };
  dialog.show();
  from.focus();
}
