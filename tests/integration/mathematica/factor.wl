cbRun[cbT = Timing[AbsoluteTiming[cbR = {FactorList[cbP[0, 0]], FactorList[cbP[0, 1]]};]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbT = Timing[AbsoluteTiming[Do[cbR = {FactorList[cbP[0, 0]], FactorList[cbP[0, 1]]}, {3}];]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbV = FactorList[cbP[0, 0]], Scan[Print["@@F ", #[[2]], " ", cbTerms[#[[1]], cbG[2]]] &, cbV]]
cbRun[cbV = FactorList[cbP[0, 1]], Scan[Print["@@F ", #[[2]], " ", cbTerms[#[[1]], cbG[2]]] &, cbV]]
