% Constraints of stdlib/examples/philosophers.lcc.
seats(2).
% eat(Round): a philosopher eats once per round.
eat(Round) :- Round > 0.
