import { useEffect, useRef } from 'react';

const SHORTCUTS: Array<[string, string]> = [
  ['j / k', 'Next / previous ticket in the list'],
  ['Enter or o', 'Open the selected ticket'],
  ['x', 'Select the ticket for a bulk action'],
  ['/', 'Search'],
  ['r', 'Reply (in a ticket)'],
  ['n', 'Internal note (in a ticket)'],
  ['u or g', 'Back to the inbox'],
  ['?', 'Show or hide this help'],
];

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  // close() fires its 'close' event a task later. When React runs the effect again at once (Strict
  // Mode does, so may a re-shown subtree), the dialog is open again by the time the event from the
  // cleanup arrives: that stale event must not close the help. Only a dialog still closed is closed.
  return (
    <dialog
      ref={ref}
      className="help"
      aria-labelledby="help-title"
      onClose={(e) => {
        if (!e.currentTarget.open) onClose();
      }}
    >
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map(([key, what]) => (
            <tr key={key}>
              <th scope="row">
                <kbd>{key}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </dialog>
  );
}
