"""Replays the level-anchor reading (issue 18) on recorded bench:latency runs.

Usage: python3 replay-anchors.py <report>-samples.json [...]
For each run: every cell's fast state (10 % quantile of its samples outside slow phases) in pass 1
and pass 2; K cells drawn at random (200 draws) act as anchors, the median of their pass-2/pass-1
ratios is pass 2's level, and the other cells are judged: median |ratio / level - 1|.
"""
import json,statistics as st,random,math,sys
def p10(v):
  v=sorted(v); k=(len(v)-1)*0.1; f=math.floor(k); return v[f]+(v[min(f+1,len(v)-1)]-v[f])*(k-f)
for fn in sys.argv[1:]:
  d=json.load(open(fn))
  for r in d['runs']:
    P=[{} for _ in range(2)]
    for pi in range(2):
      for s in r['passes'][pi]['timeline']:
        if not s['slow']: P[pi].setdefault(s['cell'],[]).append(s['sampleMs'])
    cells=[c for c in P[0] if c in P[1]]
    ratio={c:p10(P[1][c])/p10(P[0][c]) for c in cells}
    base=st.median([abs(ratio[c]-1) for c in cells])
    out=[]
    for K in (1,3,5,8):
      res=[]
      rng=random.Random(1)
      for _ in range(200):
        anchors=rng.sample(cells,K); level=st.median([ratio[a] for a in anchors])
        rest=[c for c in cells if c not in anchors]
        res.append(st.median([abs(ratio[c]/level-1) for c in rest]))
      res.sort()
      out.append('K=%d: %.1f%% [p90 %.1f%%]'%(K,100*st.median(res),100*res[int(0.9*len(res))]))
    print(fn.split('/')[-1][:16], r['run'], 'burner' if r['disturbed'] else 'quiet ', 'as timed %.1f%%'%(100*base), ' | '.join(out))
