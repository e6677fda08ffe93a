% Constraints of stdlib/examples/auction.lcc.
% budget(V) is asked as budget(Bidder, V): the caller's Id first.
budget(bidder1, 120).
budget(bidder2, 150).
budget(bidder3, 90).
