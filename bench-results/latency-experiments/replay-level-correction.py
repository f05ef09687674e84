import json, numpy as np, collections,sys
for fn in sys.argv[1:]:
  d=json.load(open(fn))
  out=[]
  for r in d['runs']:
    ps=[p for p in r['passes'] if p['run'].startswith('pass')]
    if len(ps)<2 or 'driftMs' not in ps[0]: continue
    vals=[]
    for p in ps:
      c=collections.defaultdict(list)
      for s in p['timeline']: c[s['cell']].append(s['sampleMs'])
      vals.append({k:np.percentile(v,10) for k,v in c.items()})
    keys=list(vals[0]); a=np.array([vals[0][k] for k in keys]); b=np.array([vals[1][k] for k in keys])
    f=[np.percentile(p['driftMs'],10) for p in ps]
    out.append('%.3f→%.3f'%(np.median(np.abs(b/a-1)), np.median(np.abs((b/f[1])/(a/f[0])-1))))
  print(fn.split('/')[-1], ' '.join(out))
