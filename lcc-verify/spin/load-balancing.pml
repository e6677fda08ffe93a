/* The corrected load-balancing policy (stdlib/vmm/load-balancing.lcc) in Promela,
 * abstracted the way `lcc verify` abstracts it by default, for comparing SPIN with
 * our model checker (docs/verification.md).
 *
 * Each PM peer is two processes, `monitor` and `server` (the two branches of
 * `a(monitor, PM) par a(server, PM)`). Each peer has one inbox per role it
 * receives in; a receive takes the oldest matching message (`??`). Inboxes hold
 * at most K messages (the inbox bound). Constraints the policy calls may succeed
 * or fail (both explored); getPeerState's Status ranges over a pool of 2 values.
 * The directory pick of `=> a(server, Target)` is any peer (every peer serves).
 *
 * Build: spin -a -DN=4 load-balancing.pml && gcc -O2 -DMEMLIM=8192 -DSAFETY -o pan pan.c && ./pan -m1000000
 */
#ifndef N
#define N 3
#endif
#ifndef K
#define K 2
#endif

mtype = { ok, refused };

chan to_server[N] = [K] of { byte, byte };        /* readyToMigrate(Need) from Source */
chan to_overloaded[N] = [K] of { mtype, byte };   /* migration(ok|refused) from Target */

proctype monitor(byte me) {
  byte need, target;
loop:
  /* null <- getPeerState(Status): Status from the abstract pool */
  if :: need = 0 :: need = 1 fi;
  if
  :: /* null <- isOverLoaded() succeeds: a(overloaded(Status), PM) */
     select(target : 0 .. N - 1);
     to_server[target] ! me, need;
     if
     :: to_overloaded[me] ?? ok, eval(target) -> skip     /* then null <- migration(Source, Target) */
     :: to_overloaded[me] ?? refused, eval(target)
     fi
  :: /* isOverLoaded fails: the `null` alternative */ skip
  fi;
  need = 0; target = 0;
  goto loop
}

proctype server(byte me) {
  byte source, need;
loop:
  to_server[me] ? source, need;
  if
  :: /* isUnderLoaded() and getPeerState(C) and isMigrationPossible(C, Need) succeed */
     to_overloaded[source] ! ok, me
     /* then null <- waitForMigration() */
  :: /* the guard fails: the refusal alternative */
     to_overloaded[source] ! refused, me
  fi;
  source = 0; need = 0;
  goto loop
}

init {
  byte i;
  atomic {
    for (i : 0 .. N - 1) {
      run monitor(i);
      run server(i)
    }
  }
}
