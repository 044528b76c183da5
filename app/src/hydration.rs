//! The script that loads the WASM bundle and hydrates the page.
//!
//! It replaces Leptos's `HydrationScripts` because that component (0.8.23) puts the CSP nonce
//! into the `crossorigin` attribute of its `modulepreload` link instead of a `nonce` attribute,
//! so a nonce-only Content-Security-Policy blocks the preload and logs a violation.

use leptos::prelude::*;

/// The preload links and the module script that imports the bundle and calls `hydrate`.
#[component]
pub fn HydrationLoader(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}", options.site_pkg_dir);
    let js = format!("{pkg}/{}.js", options.output_name);
    let wasm = format!("{pkg}/{}.wasm", wasm_file_stem(&options));
    let nonce = leptos::nonce::use_nonce().map(|nonce| nonce.as_inner().to_string());
    let script = format!(
        "import init, {{ hydrate }} from '{js}';\ninit({{ module_or_path: '{wasm}' }}).then(() => hydrate());"
    );
    view! {
        <link rel="modulepreload" href=js nonce=nonce.clone()/>
        <link rel="preload" href=wasm.clone() r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" nonce=nonce inner_html=script></script>
    }
}

/// Returns the WASM file's name without extension. cargo-leptos writes `<name>.wasm`, while
/// a plain wasm-bindgen run writes `<name>_bg.wasm`; the file on disk decides.
fn wasm_file_stem(options: &LeptosOptions) -> String {
    #[cfg(feature = "ssr")]
    {
        let pkg_dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let plain = pkg_dir.join(format!("{}.wasm", options.output_name));
        if !plain.exists() {
            return format!("{}_bg", options.output_name);
        }
    }
    options.output_name.to_string()
}
