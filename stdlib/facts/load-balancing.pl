% Scripted datacentre for stdlib/seeds/load-balancing-published.lcc with peers
% pm1 (overloaded) and pm2 (underloaded). Each constraint gets the caller's Id
% first. The published idle role loops forever, so run it with --max-steps.
getPeerState(pm1, state(95, 5, 95)).
getPeerState(pm2, state(20, 80, 20)).
isOverLoaded(pm1).
isUnderLoaded(pm2).
isMigrationPossible(_, state(_, Free, _), state(_, _, _)) :- Free >= 10.
migration(_, From, To) :- From \= To.
waitForMigration(_).
