//! Generates the typed bindings of every guest in `guest-go/`.

fn main() {
    match tinybind_codegen::Builder::new().guest_dir("guest-go").generate() {
        Ok(_) => {}
        Err(e) => {
            // One clear line; the build fails without a panic.
            println!("cargo::error=tinybind: {e}");
            eprintln!("error: tinybind: {e}");
            std::process::exit(1);
        }
    }
}
