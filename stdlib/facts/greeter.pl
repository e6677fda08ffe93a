% Constraints of stdlib/examples/greeter.lcc.
greeting(hello).
answer(name, 'Ada').
welcome(Hello, Name) :- Hello \= Name.
