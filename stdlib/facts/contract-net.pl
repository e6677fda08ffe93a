% Constraints of stdlib/examples/contract-net.lcc.
% price(Task, Price) is asked as price(Contractor, Task, Price): the caller's Id first.
price(contractor1, task1, 50).
price(contractor2, task1, 35).
price(contractor3, task1, 42).
cheapest(Bids, W) :- member(bid(W, P), Bids), not (member(bid(_, Q), Bids), Q < P).
perform(_, task1).
