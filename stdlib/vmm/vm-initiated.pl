% The MLN seed's example for stdlib/vmm/vm-initiated.lcc: 4 jobs wait on vm1,
% 10 minutes each here, 5 minutes each on site1, 15 minutes to migrate. With
% 4 jobs, 40 > 35: vm1 moves. Change 4 to 3 (30 > 30 fails): vm1 stays.
queueLength(vm1, 4).
localJobTime(vm1, 10).
jobTime(site1, 5).
migrationTime(site1, vm1, 15).
moveTo(vm1, site1).
