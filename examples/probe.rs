fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    for ev in saphyr_parser::Parser::new_from_str(&text) {
        match ev {
            Ok((e, s)) => println!("{:?} [{}..{}] {:?}", e, s.start.index(), s.end.index(), &text.get(s.start.index()..s.end.index())),
            Err(e) => { println!("ERR {:?}", e); break }
        }
    }
}
