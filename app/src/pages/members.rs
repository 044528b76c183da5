//! Settings → Members: the organization's users, their roles, and adding or removing users.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::{list_members, AddMember, ChangeRole, MemberView, MembersView, RemoveMember, SecretInput};
use crate::components::dialog::{close_dialog, open_dialog};
use crate::components::field::{check_fields, FieldState, FormField};
use crate::components::key_form::FormError;
use crate::validation::*;

/// The Members page.
#[component]
pub fn MembersPage() -> impl IntoView {
    let refresh = RwSignal::new(0_u32);
    let members = Resource::new(move || refresh.get(), |_| list_members());
    let changed = Callback::new(move |()| refresh.update(|count| *count += 1));

    view! {
        <Title text="Members"/>
        <h1>"Members"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(view) => view! { <MembersContent view changed/> }.into_any(),
                    Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MembersContent(view: MembersView, changed: Callback<()>) -> impl IntoView {
    let can_manage = view.can_manage;
    let caller_id = view.caller_id;
    let rows = view
        .members
        .into_iter()
        .map(|member| {
            let is_caller = member.id == caller_id;
            view! { <MemberRow member can_manage is_caller changed/> }
        })
        .collect_view();

    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">"Users of your organization"</h2>
            <div class="table-scroll">
                <table class="members">
                    <thead>
                        <tr><th scope="col">"Email"</th><th scope="col">"Role"</th>{can_manage.then(|| view! { <th scope="col">"Actions"</th> })}</tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        {can_manage.then(|| view! { <AddMemberForm changed/> })}
    }
}

#[component]
fn MemberRow(member: MemberView, can_manage: bool, is_caller: bool, changed: Callback<()>) -> impl IntoView {
    let role = if member.is_admin { "admin" } else { "member" };
    let email = member.email.clone();
    view! {
        <tr>
            <td>{member.email}{is_caller.then_some(" (you)")}</td>
            <td>{role}</td>
            {can_manage.then(|| view! { <td><MemberActions user_id=member.id is_admin=member.is_admin email changed/></td> })}
        </tr>
    }
}

/// Change-role and remove forms of one user; plain form posts without JavaScript.
#[component]
fn MemberActions(user_id: i64, is_admin: bool, email: String, changed: Callback<()>) -> impl IntoView {
    let change_role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let error = Signal::derive(move || {
        let role_error = change_role.value().get().and_then(Result::err);
        let remove_error = remove.value().get().and_then(Result::err);
        role_error.or(remove_error).map(|error| error.to_string())
    });
    Effect::new(move |_| {
        let role_done = matches!(change_role.value().get(), Some(Ok(())));
        let remove_done = matches!(remove.value().get(), Some(Ok(())));
        if role_done || remove_done {
            changed.run(());
        }
    });

    let new_role = if is_admin { "member" } else { "admin" };
    let role_label = if is_admin { format!("Make {email} a member") } else { format!("Make {email} an admin") };
    let role_button = if is_admin { "Make member" } else { "Make admin" };
    let submit_role = move |event: SubmitEvent| {
        event.prevent_default();
        change_role.dispatch(ChangeRole { user_id, role: new_role.to_owned() });
    };

    view! {
        <div class="row-actions">
            <form method="post" action=ChangeRole::PATH on:submit=submit_role>
                <input type="hidden" name="user_id" value=user_id/>
                <input type="hidden" name="role" value=new_role/>
                <button type="submit" class="secondary small" aria-label=role_label>{role_button}</button>
            </form>
            <RemoveMemberControl user_id email remove/>
        </div>
        <FormError message=error/>
    }
    // Erased, because the row's nested view type otherwise exceeds the compiler's type depth
    // limit in builds without component erasure.
    .into_any()
}

/// Renders the Remove button and its confirmation dialog. Without JavaScript the button removes
/// the user at once.
#[component]
fn RemoveMemberControl(user_id: i64, email: String, remove: ServerAction<RemoveMember>) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("remove-user-{user_id}-title");
    let labelled_by = title_id.clone();
    let remove_label = format!("Remove {email}");
    let open = move |event: SubmitEvent| {
        event.prevent_default();
        open_dialog(dialog);
    };
    let confirm = move |event: SubmitEvent| {
        event.prevent_default();
        remove.dispatch(RemoveMember { user_id });
    };
    // Closing on a failure too shows the error, which sits under the row behind the dialog.
    Effect::new(move |_| {
        if remove.value().with(Option::is_some) {
            close_dialog(dialog);
        }
    });

    view! {
        <form method="post" action=RemoveMember::PATH on:submit=open>
            <input type="hidden" name="user_id" value=user_id/>
            <button type="submit" class="danger small" aria-label=remove_label>"Remove"</button>
        </form>
        <dialog node_ref=dialog class="dialog" aria-labelledby=labelled_by>
            <h2 id=title_id>{format!("Remove {email}?")}</h2>
            <p>"The user can no longer sign in, and an open session of theirs ends with its next request."</p>
            <form method="post" action=RemoveMember::PATH on:submit=confirm class="form-actions">
                <button type="button" class="secondary" autofocus on:click=move |_| close_dialog(dialog)>"Cancel"</button>
                <button type="submit" class="danger" disabled=move || remove.pending().get()>"Remove user"</button>
            </form>
        </dialog>
    }
}

#[component]
fn AddMemberForm(changed: Callback<()>) -> impl IntoView {
    let add = ServerAction::<AddMember>::new();
    let server_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let email = FieldState::new();
    let password = FieldState::new();
    let role = RwSignal::new("member".to_owned());
    let email_error = email.error(EMAIL_FIELD, |value| validate_email(value).err(), server_error);
    let password_error = password.error(PASSWORD_FIELD, |value| validate_new_password(value).err(), server_error);
    let form_error = Signal::derive(move || match server_error.get() {
        Some(crate::error::ApiError::Invalid { .. }) | None => None,
        Some(error) => Some(error.to_string()),
    });

    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            email.clear();
            password.clear();
            changed.run(());
        }
    });
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if check_fields(&[(email, email_error), (password, password_error)]) {
            add.dispatch(AddMember {
                email: email.value.get_untracked(),
                role: role.get_untracked(),
                password: SecretInput::new(password.value.get_untracked()),
            });
        }
    };

    view! {
        <section class="card" aria-labelledby="add-member-heading">
            <h2 id="add-member-heading">"Add a user"</h2>
            <form method="post" action=AddMember::PATH on:submit=submit novalidate>
                <FormError message=form_error/>
                <FormField id="member-email" name=EMAIL_FIELD label="Email" input_type="email" autocomplete="off" state=email error=email_error/>
                <div class="field">
                    <label for="member-role">"Role"</label>
                    <select id="member-role" name=ROLE_FIELD on:change=move |event| role.set(event_target_value(&event)) prop:value=move || role.get()>
                        <option value="member">"member"</option>
                        <option value="admin">"admin"</option>
                    </select>
                </div>
                <FormField
                    id="member-password"
                    name=PASSWORD_FIELD
                    label="Initial password"
                    hint="At least 12 characters. Share it with the user over a trusted channel."
                    input_type="password"
                    autocomplete="new-password"
                    state=password
                    error=password_error
                />
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || add.pending().get()>"Add user"</button>
                </div>
            </form>
        </section>
    }
}
