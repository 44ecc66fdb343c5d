cbRun[cbT = Timing[AbsoluteTiming[cbR = {Resultant[cbP[0, 0], cbP[1, 0], x1], Resultant[cbP[0, 1], cbP[1, 1], x1]};]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbT = Timing[AbsoluteTiming[Do[cbR = {Resultant[cbP[0, 0], cbP[1, 0], x1], Resultant[cbP[0, 1], cbP[1, 1], x1]}, {3}];]], Print["@@T ", cbNum[cbT[[2, 1]]], " ", cbNum[cbT[[1]]]]]; cbR = Null
cbRun[cbV = Resultant[cbP[0, 0], cbP[1, 0], x1], Print["@@P ", cbTerms[cbV, cbG[2]]]]
cbRun[cbV = Resultant[cbP[0, 1], cbP[1, 1], x1], Print["@@P ", cbTerms[cbV, cbG[2]]]]
