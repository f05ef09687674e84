# Replays the profiler's slow-phase rule (simplified from src/lib/latency/phases.ts) with other thresholds on a
# bench:latency recording (bench-results/<report>-samples.json): flagged share, cells that would be
# re-measured, and the agreement between the two passes from the unflagged samples. Developer tool.
import json, statistics as st, itertools, sys
def q(xs,p):
  xs=sorted(xs); i=p*(len(xs)-1); lo=int(i); hi=min(lo+1,len(xs)-1); return xs[lo]+(xs[hi]-xs[lo])*(i-lo)
def spearman(a,b):
  def rk(x):
    o=sorted(range(len(x)),key=lambda i:x[i]); r=[0]*len(x)
    for k,i in enumerate(o): r[i]=k
    return r
  ra,rb=rk(a),rk(b); n=len(a)
  return 1-6*sum((x-y)**2 for x,y in zip(ra,rb))/(n*(n*n-1))
def slowflags(tl, smooth, thr, spike, busyfrac, busyms=4000, minph=3):
  at=[s['atS']*1000 for s in tl]; pr=[s['probeMs'] for s in tl]; n=len(pr)
  base=q(pr,.1)
  r=smooth//2
  sd=[q(pr[max(0,j-r):j+r+1],.5)/base for j in range(n)]
  delayed=[p/base>1+spike for p in pr]
  busy=[False]*n
  if busyfrac<1:
    for j in range(n):
      lo=[k for k in range(n) if at[j]-busyms/2<=at[k]<=at[j]]
      hi=[k for k in range(n) if at[j]<=at[k]<=at[j]+busyms/2]
      b=sum(delayed[k] for k in lo)/len(lo); a=sum(delayed[k] for k in hi)/len(hi)
      busy[j]= b>busyfrac and a>busyfrac and sum(delayed[k] for k in set(lo+hi))>=minph
  return [s>1+thr or bz for s,bz in zip(sd,busy)]
d=json.load(open(sys.argv[1]))
runs=[[p for p in r['passes'][:2]] for r in d['runs']]
for rule in [(3,.15,.3,.1),(9,.15,.3,.1),(15,.2,.3,.1),(15,.2,.5,.25),(25,.2,.5,.25),(25,.25,1,1),(15,.15,1,1),(41,.2,1,1),(999,9,1,1)]:
  out=[]
  for passes in runs:
    vals=[];flag=[];need=[]
    for p in passes:
      tl=sorted(p['timeline'],key=lambda s:s['atS'])
      sl=slowflags(tl,*rule) if rule[0]<999 else [False]*len(tl)
      c={}
      for s,f in zip(tl,sl): c.setdefault(s['cell'],[]).append((s['sampleMs'],f))
      v={}; rm=0
      for cell,xs in c.items():
        kept=[a for a,f in xs if not f]
        if len(kept)<8: rm+=1
        v[cell]=q(kept if len(kept)>=8 else [a for a,_ in xs],.1)
      vals.append(v); flag.append(sum(sl)/len(sl)); need.append(rm)
    cells=sorted(vals[0]); a=[vals[0][c] for c in cells]; b=[vals[1][c] for c in cells]
    out.append('flag %.2f/%.2f remeasure %d/%d  rho %.3f diff %.3f'%(flag[0],flag[1],need[0],need[1],spearman(a,b),st.median([abs(x/y-1) for x,y in zip(a,b)])))
  print(rule, ' | '.join(out))
