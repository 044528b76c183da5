//! Opening and closing the `<dialog>` elements that confirm destructive actions.

use leptos::html;
use leptos::prelude::*;

/// Shows the dialog as a modal, which moves focus into it and makes the page behind it inert.
pub fn open_dialog(dialog: NodeRef<html::Dialog>) {
    if let Some(dialog) = dialog.get_untracked() {
        let _ = dialog.show_modal();
    }
}

/// Closes the dialog, which returns focus to the element that opened it.
pub fn close_dialog(dialog: NodeRef<html::Dialog>) {
    if let Some(dialog) = dialog.get_untracked() {
        dialog.close();
    }
}
