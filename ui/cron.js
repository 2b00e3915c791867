// The "change schedule" dialog: one row per cron trigger of a job (dialect + expression) with a live
// preview from the server's own compiler (description and next fire times, or the 400 it would
// give), saved as a merge patch of the job's triggers with If-Match, so a concurrent edit is a 409
// rather than lost.
/* global document, setTimeout, clearTimeout */
import { kairos } from './api.js';
import { dialogControls, h, localText } from './dom.js';

const DIALECTS = ['unix', 'quartz', 'dapr', 'hangfire'];
let save = null;

const { dialog, fields, close } = dialogControls('cron', {
  onSubmit: () => void save?.(),
  onClose: () => {
    save = null;
  },
});

export const cronDialogOpen = () => dialog.open;

/** One editable cron trigger: its inputs, and a preview that follows them. */
function row(trigger, index, timezone) {
  const select = h('select', { name: `dialect-${index}`, 'aria-label': 'cron dialect' }, DIALECTS.map((d) => h('option', { value: d, selected: d === (trigger.dialect ?? 'unix') }, d)));
  const input = h('input', { name: `cron-${index}`, value: trigger.expression, required: true, spellcheck: 'false', autocomplete: 'off', 'aria-label': 'cron expression' });
  const preview = h('p', { class: 'preview muted' }, '');
  const edited = () => ({ ...trigger, dialect: select.value, expression: input.value.trim() });
  let timer;
  let seq = 0;
  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const p = await kairos.preview(edited(), timezone);
        if (mine !== seq) return;
        preview.className = 'preview muted';
        preview.textContent = `${p.description} — next: ${p.times.map(localText).join(', ') || 'never'}`;
      } catch (err) {
        if (mine !== seq) return;
        preview.className = 'preview error';
        preview.textContent = err.message;
      }
    }, 250);
  };
  input.addEventListener('input', update);
  select.addEventListener('change', update);
  update();
  return { node: h('div', { class: 'cron-row' }, h('label', {}, `Trigger ${index + 1}`), select, input, preview), index, edited };
}

/** Opens the editor for `job` (a GET /v1/jobs/{id} answer: the definition, its version). */
export function openCronDialog(job, { onSaved, onError }) {
  const rows = (job.triggers ?? []).flatMap((t, i) => (t.type === 'cron' ? [row(t, i, job.timezone)] : []));
  if (rows.length === 0) return;
  const failure = h('p', { class: 'error', role: 'alert' });
  document.getElementById('cron-dialog-title').textContent = `Change schedule of ${job.name}`;
  fields.replaceChildren(...rows.map((r) => r.node), failure);
  save = async () => {
    const triggers = job.triggers.map((t, i) => rows.find((r) => r.index === i)?.edited() ?? t);
    try {
      await kairos.patchJob(job.id, { triggers }, job.version);
      close();
      onSaved();
    } catch (err) {
      failure.textContent = err.message;
      onError(err);
    }
  };
  dialog.show();
  rows[0].node.querySelector('input').focus();
}
