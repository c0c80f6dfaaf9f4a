fn main() {
    labmate::run();
}
