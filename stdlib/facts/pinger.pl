% Constraints of stdlib/examples/pinger.lcc.
% A predicate with one more argument than the call gets the caller's Id first:
% latency(T) called by responder1 asks latency(responder1, T).
latency(responder1, 30).
latency(responder2, 12).
faster(R1, T1, _, T2, R1) :- T1 =< T2.
faster(_, T1, R2, T2, R2) :- T1 > T2.
